package ui

// The keys of the account pages and the built-in service, with their fmt
// arguments; see keys.go.
//
//	account.orgs.title            Organizations
//	account.orgs.link             Your organizations, invitations and ownership
//	security.title                account security page title
//	security.intro                manage your second factors
//	security.factors.title        heading over the factors
//	security.factors.none         no factor set up yet
//	security.factor.kind          label of a factor's kind
//	security.factor.detail        label of FactorRow.Detail
//	security.factor.added         label of FactorRow.Added
//	security.factor.used          label of FactorRow.LastUsed
//	security.factor.never         LastUsed when empty
//	security.rename.label         %s = the factor's name (or kind): label of its new name
//	security.rename.submit        button: rename
//	security.change.submit        change an email factor's address (confirmed by code)
//	security.remove.submit        button: remove
//	security.remove.last          why the last factor's remove button is disabled
//	security.remove.confirm.title %s = the factor's name: the confirmation's question
//	security.remove.confirm.message what removing it means
//	security.remove.confirm.submit the danger button: yes, remove it
//	security.add.title            heading over AddOptions
//	security.add.totp             AddOptions name: add an authenticator app
//	security.add.webauthn         AddOptions name: add a security key
//	security.add.email            AddOptions name: add an email address for codes
//	security.recovery.title       heading of the recovery codes section
//	security.recovery.none        RecoveryRemaining 0
//	security.recovery.one         RecoveryRemaining 1
//	security.recovery.many        %d = RecoveryRemaining, 2 or more
//	security.recovery.warning     new codes make the old ones stop working
//	security.recovery.submit      button: generate new recovery codes
//	security.signout.title        heading: sign out everywhere
//	security.signout.intro        ends every Passerelle session, this one included
//	security.signout.submit       button: sign out everywhere
//	security.notice.added         Notice: a factor was added
//	security.notice.renamed       Notice: a factor was renamed
//	security.notice.removed       Notice: a factor was removed
//	security.notice.recovery      Notice: new recovery codes; the old ones no longer work
//	security.notice.email         Notice: the email address for codes is confirmed
//	local.title                   %s = service name: sign-in page title, "Sign in with GCKey"
//	local.intro                   %s = service name: enter its username and password
//	local.username.label          label of the username field (sign-in and register pages)
//	local.password.label          label of the password field (sign-in and register pages)
//	local.submit                  button: sign in
//	local.register                %s = service name: link to RegisterURL, "Create a GCKey"
//	local.forgot                  link to ForgotURL: forgot your password?
//	local.back                    link to BackURL: choose another way to sign in
//	local.error.credentials       the sign-in did not pass: unknown username, wrong password, or an
//	                              attempt held back by the failure regulator (one message for all)
//	register.title                %s = service name: register page title, "Create a GCKey"
//	register.intro                %s = service name: what it is, what it is for
//	register.username.hint        3 to 64 letters, digits, dots, dashes or underscores
//	register.email.hint           what the address is for; use a personal one
//	register.submit               %s = service name: button
//	register.error.username       the username does not follow the rule (Field "username")
//	register.error.taken          the username is taken (Field "username")
//	register.error.email          enter a valid email address (Field "email")
//	register.error.match          the two passwords differ (Field "confirm")
//	password.hint.length          %d, %d = MinLength, MaxLength: the password hint's first sentence
//	password.hint.except          %s = the Forbidden characters, each in a <kbd>
//	password.hint.any             when Forbidden is empty: every character is allowed
//	password.confirm.label        label of the confirmation field "confirm"
//	password.error.too_short      %d = minimum length (Field "password")
//	password.error.too_long       %d = maximum length
//	password.error.invalid        the password holds control characters
//	password.error.forbidden      %s = the forbidden character found
//	password.error.common         too common or found in a data breach
//	password.error.context        holds the username or the email address
//	field.error.required          any empty required field
//	field.error.too_long          %d = the field's maximum length
//	confirm.title                 PageConfirm's default title: are you sure?
//	confirm.keep                  PageConfirm's link back: change nothing
//	confirm.error.code            any wrong or expired emailed code (reset, confirm, change-email)
//	forgot.title                  forgotten password page title
//	forgot.intro                  %s = service name: enter a username or email; a code goes out if one matches
//	forgot.who.label              label of the field "who": username or email address
//	forgot.submit                 button: send a code
//	reset.title                   reset page title: choose a new password
//	reset.sent                    if an account matches, a code went to its address (never says whether one did)
//	reset.intro                   enter the code, then a new password
//	reset.password.label          label of the new password
//	reset.submit                  button: change the password
//	firstlogin.title              first sign-in page title: link or create your account
//	firstlogin.intro              %s = ProviderName: first sign-in with it; link if you have an account, else create one
//	firstlogin.warning            accounts are never linked by email address alone
//	firstlogin.link.title         heading over Link
//	firstlogin.link.intro         sign in with the credential used before, then confirm the second factor
//	firstlogin.link.choice        a Link name: sign in with my other credential
//	firstlogin.create.title       heading over the create form
//	firstlogin.create.intro       %s = ProviderName: no account yet, create one with it
//	firstlogin.create.submit      button: create a new account
//	firstlogin.error.linked       this credential is already linked to another account
//	firstlogin.error.unknown      linking: the credential just used belongs to no account
//	account.title                 account page title
//	account.urn                   label of AccountData.URN and SecurityData.URN: the one name of the URN, "User reference number (URN)"
//	account.email.title           heading of the contact email section
//	account.email.current         %s = AccountData.Email
//	account.email.none            when Email is empty
//	account.email.label           label of the new address (field "email")
//	account.email.hint            a code goes to the new address; the change follows
//	account.email.submit          button: change
//	account.lang.title            heading of the language section
//	account.lang.legend           legend of the radio buttons "lang"
//	account.lang.submit           button: save
//	account.links.title           heading over Links: the linked credentials
//	account.links.none            no credential linked
//	account.link.added            label of LinkRow.Added
//	account.unlink.submit         button: unlink
//	account.unlink.last           why the only credential's unlink button is disabled
//	account.unlink.confirm.title  %s = the credential's name: the confirmation's question
//	account.unlink.confirm.message what unlinking it means
//	account.unlink.confirm.submit the danger button: yes, unlink it
//	account.link.title            heading over LinkOptions
//	account.link.intro            link another way to sign in, in case one is lost
//	account.link.option           %s = credential name: for the broker's LinkOptions names, "Link your GCKey"
//	account.security.title        heading of the security section
//	account.security.link         link to SecurityURL: second factors and recovery codes
//	account.signout.intro         ends every session and revokes every token issued to services
//	account.notice.lang           Notice: the language was saved
//	account.notice.email          Notice: the email address was changed
//	account.notice.linked         Notice: a credential was linked
//	account.notice.unlinked       Notice: a credential was unlinked
//	account.notice.signedout      Notice: every session ended, every token revoked
//	account.error.unlink.last     the only credential cannot be unlinked

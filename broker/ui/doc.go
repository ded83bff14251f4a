// Package ui owns the broker's server-rendered pages: the templates and
// their shared layout, the static assets (style sheet, logo) with the
// operator's theme overrides, the English and French message catalogues,
// language negotiation and the language cookie, and the security headers
// every response carries. It knows nothing of OIDC, providers or storage:
// the broker's handlers decide what to show and pass the data (already
// translated names, HMAC-bound form actions, CSRF token) to Render.
//
// # Pages
//
// Render takes one of the Page* constants and its *Data struct. Every page
// has <html lang>, a skip link to <main id="main">, the service name, a
// language toggle to the other language (/lang?l=xx&next=<current path>,
// the link itself marked with lang), exactly one h1 and a footer; when
// Common.Errors is set, an error summary that takes focus (autofocus on a
// tabindex=-1 role=alert block) links each error to its field. Choices are
// one small POST form each, with the hidden "csrf" field and one submit
// button, so they work with the keyboard alone. Every page loads
// static/page.js (deferred, from this origin), which only improves a page
// that works without it: it shows the recovery codes' print button
// (hidden until then) and submits the form post page. The security key page adds its own script file.
// There is no inline script and no style attribute: the CSP forbids them.
// The form
// post page (OAuth 2.0 Form Post Response Mode) is submitted by page.js
// (its form is marked data-autosubmit); without script the person presses
// Continue. The form carries only the response fields, never the CSRF
// token. The bilingual language page shows
// its chrome (skip link, footer) in both languages.
//
// # Second factor and account security pages
//
// PageMFAChoose, PageTOTPEnrol, PageEmailEnrol, PageCode, PageWebAuthn and
// PageRecoveryCodes walk a person through choosing, setting up and using
// a second factor; PageSecurity lists the account's factors with a rename
// and a remove form each. A field named in Common.Errors (FieldError.Field
// is the input's id: "code", "email", "name", "saved", "name-<factor ID>")
// also shows its message next to the input, which gets aria-invalid and
// aria-describedby. Render refuses (500 and a log line) a page that
// cannot work: a form page without its Action, TOTPEnrolData without a
// Secret, a CodeData Kind without code.<kind>.title and label in the
// catalogue, WebAuthnData without OptionsJSON, RecoveryCodesData without
// Codes, a FactorRow without an ID or mfa.kind.<Kind>. The titles follow
// the data: "mfa.enrol.title" when Enrol, "code.<kind>.title"
// (change_email for change-email), "webauthn.register.title" when
// Register. No page names a factor kind: a new kind brings its strings
// (mfa.kind, security.add, code.<kind>.title, intro, label, optionally
// intro.generic, note, hint) and nothing else here.
//
// # Built-in credential service and account pages
//
// PageLocalSignIn, PageRegister, PageForgot and PageReset are the pages
// of the built-in, GCKey-like credential service (a username and a
// password); PageFirstLogin follows the first sign-in with a credential
// (create an account, or link it to an existing one by signing in with
// the other credential, never by email address); PageAccount is the
// person's account page. The fields have the ids "username", "email",
// "password", "confirm", "who" and "code", with the autocomplete tokens
// password managers expect (username, email, current-password,
// new-password, one-time-code), and FieldError.Field names them as on
// the second-factor pages; the account page's language radio buttons
// ("lang-en", "lang-fr") sit in a fieldset with a legend, and an error
// about them uses the first one's id. No data struct has a password
// field and no password input has a value: a password is never written
// back into a page. The new-password hint gives the length range and
// lists the Forbidden characters each in a <kbd>, escaped, or says that
// every character is allowed. Render refuses a sign-in, register or
// forgot page without its Action and ServiceName, a register or reset
// page without an Action or with a length range other than 0 < MinLength
// <= MaxLength, a first sign-in page without CreateAction and
// ProviderName, and a LinkRow without a Provider or whose Provider
// repeats. The sign-in and register titles name the service
// ("local.title", "register.title"). A LinkRow whose UnlinkAction is
// empty (the only credential) gets a disabled button described by
// "account.unlink.last". PageCode also takes the Kinds "confirm" (confirm
// an email address) and "change-email" (confirm a new one), both with the
// numeric code field and the optional resend button.
//
// The code field is numeric (inputmode, pattern [0-9]*, autocomplete
// one-time-code), or plain text with autocomplete off when FreeText is
// set (a recovery code). The TOTP key is shown in blocks of four set
// apart by CSS alone, so that a copy gives it unbroken. A factor whose
// RemoveAction is empty (the last one) gets a disabled remove button
// described by "security.remove.last". PageWebAuthn is the one page with
// a script: <script src="/static/webauthn.js" defer> (the broker serves
// it), which drives the form marked data-webauthn="register" or "login"
// and shows the data-webauthn-error element's data-msg-<lang> message on
// failure; without script the page says so.
//
// Render fills in defaults on a copy of the data, never on the caller's
// value: Title from the page ("chooser.title", ...; the banks page uses
// GroupName first, the error page its Heading, the language page every
// language's "language.title"), Path from the request, and on the error
// page Heading and Message from "error.generic.*". An unknown lang falls
// back to the first configured language. Path goes into the toggle link
// as is: a handler whose URL carries a one-time value should set Path. A
// failed render is logged to UI.Logger (slog.Default when nil).
//
// # Messages
//
// messages/en.json and messages/fr.json hold flat key → text catalogues;
// both must hold exactly the same keys (New refuses to start otherwise,
// and the tests check it, with the same fmt verbs in each). T returns the
// key itself for a missing key and never falls back to another language.
// French follows Canadian typography: no-break space inside « » and before
// the colon. Keys, with their fmt arguments:
//
//	service.name                  the service's name, "Passerelle"
//	lang.name                     the catalogue's language in itself: "English", "Français"
//	layout.skip                   skip link
//	layout.lang.nav               accessible name of the language toggle
//	layout.footer.text            footer sentence
//	layout.footer.about           footer link to the home page
//	layout.footer.title           hidden heading of the footer
//	layout.footer.terms           footer link (ui.footer.terms): terms and conditions
//	layout.footer.privacy         footer link (ui.footer.privacy)
//	layout.footer.help            footer link (ui.footer.help)
//	layout.footer.contact         footer link (ui.footer.contact)
//	layout.signature              alt of the signature (static/signature-<lang>.svg)
//	layout.wordmark               alt of the wordmark (static/wordmark.svg)
//	errors.summary.title          heading of the error summary
//	errors.title.prefix           %s = page title: the <title> of a page that shows errors
//	time.minutes                  %d = minutes: a time left in words (also page.js's template)
//	time.minute                   one minute
//	time.under_minute             less than a minute
//	time.none                     no time left
//	limit.left                    %s = time left in words: Common.Limit's sentence
//	limit.warn                    a warning comes two minutes before the end; nothing entered is lost
//	limit.soon                    the warning (page.js shows it two minutes before the end)
//	limit.extend                  the warning's button: more time (POST TimeLimit.ExtendAction)
//	limit.extended                announced once the time was extended
//	limit.expired                 announced when the time is over
//	errors.field                  hidden prefix of a field's own error message
//	nav.back                      link back (BanksData.BackURL)
//	nav.cancel                    link that cancels the sign-in (CancelURL)
//	nav.retry                     link that retries (ErrorData.RetryURL)
//	nav.service                   %s = client name: link back to the service (ErrorData.Links)
//	nav.service.generic           that link when the client has no name
//	nav.account                   link to the account page
//	nav.home                      link to the home page
//	language.title                language page title
//	chooser.title                 chooser title: choose how to sign in
//	chooser.intro                 %s = client name
//	chooser.intro.generic         when the client has no name
//	chooser.group.hint            under a group's button: the bank comes next
//	chooser.none                  no choice available
//	partner.name                  "Sign-In Partner", for the broker's default group name
//	banks.title                   banks page title when GroupName is empty
//	banks.intro                   how signing in with a bank works
//	banks.privacy                 the bank is not told the service; no banking data goes to it
//	banks.none                    no bank available
//	error.generic.title           default error heading
//	error.generic.message         default error message
//	error.session_expired.title   the sign-in took too long
//	error.session_expired.message start again from the service
//	error.upstream.title          the upstream sign-in service is unavailable
//	error.upstream.message        it could not be reached; try again later
//	error.upstream_denied.title   the upstream cancelled or refused the sign-in
//	error.upstream_denied.message try again or choose another way
//	error.upstream_message.title  a message from the upstream (SAML logout) failed its checks
//	error.upstream_message.message close the browser to be sure of being signed out
//	error.state.title             state mismatch: the sign-in could not be verified
//	error.state.message           start again from the service
//	error.unknown_client.title    unknown client or redirect URI not registered
//	error.unknown_client.message  nothing was sent to that service
//	error.invalid_request.title   invalid authorization request
//	error.invalid_request.message generic on purpose: the detail goes to the log only
//	error.access_denied.title     access denied
//	error.access_denied.message   this account cannot use this service
//	error.csrf.title              CSRF failure: the form expired
//	error.csrf.message            reload the page and try again
//	error.not_found.title         unknown URL
//	error.not_found.message       check the address
//	error.locked.title            account locked
//	error.locked.message          too many failed attempts; contact support
//	error.dormant.title           account inactive (unused too long)
//	error.dormant.message         nothing shared; an administrator reactivates it
//	error.contact                 %s = whom to contact (accounts.contact)
//	error.upstream_assurance.title   the upstream's level is below the service's
//	error.upstream_assurance.message %s = the upstream's name; sign in another way
//	error.policy.title            service needs a factor Passerelle cannot offer
//	error.policy.message          contact the service
//	error.too_many_requests.title  429: the source's rate limit
//	error.too_many_requests.message wait a minute and try again
//	error.too_large.title         413: the request body is over the route's limit
//	error.too_large.message       go back and check what was entered
//	error.method.title           405: the address does not take this method
//	error.method.message         check the address
//	error.internal.title         500: a fault of Passerelle's
//	error.internal.message       nothing entered was lost; try again
//	error.ended.title            the sign-in's address is gone (finished, cancelled or too old)
//	error.ended.message          back to the service: a finished sign-in is still signed in there
//	error.signed_in.title        a finished sign-in revisited: you are already signed in
//	error.signed_in.message      go back to the service (ErrorData.Links)
//	error.reference               %s = request reference to quote to support
//	logout.confirm.title          asks before an RP-initiated logout without a hint
//	logout.confirm.message        a service asked to sign you out
//	logout.confirm.submit         sign out button
//	loggedout.title               signed-out page title
//	loggedout.message             the session ended; close a shared browser
//	loggedout.next                sign in again at the service to continue
//	loggedout.continue            link on to the service after a logout it asked for
//	loggedout.frame               title of a front-channel logout iframe
//	formpost.title                form post page title: return to the service
//	formpost.intro                select the button to go back to the service
//	formpost.submit               the button
//	home.title                    home page title
//	home.intro                    what Passerelle is; you start at a service
//	home.privacy                  what Passerelle does not tell whom
//	home.links                    heading over HomeData.Links
//	mfa.choose.title              MFA choice page title (challenge): confirm it's you
//	mfa.choose.intro              challenge: confirm with one of your second factors
//	mfa.enrol.title               MFA choice page title when MFAChooseData.Enrol
//	mfa.enrol.intro               what a second factor is; choose one to set up
//	mfa.choose.none               no second factor available; contact support
//	mfa.lost                      link: lost your second factor? use a recovery code (LostURL)
//	mfa.switch.title              heading over Switch: other ways to confirm
//	mfa.continue                  submit button of the code, TOTP and recovery code pages
//	mfa.reason.stronger           MFAChooseData.Reason: this service needs a stronger factor
//	mfa.reason.first              Reason: every sign-in needs a second factor; set one up
//	mfa.reason.recovered          Reason: a recovery code was used; set up a new factor
//	mfa.kind.totp                 factor kind label: authenticator app
//	mfa.kind.email                factor kind label: email code
//	mfa.kind.webauthn             factor kind label: security key
//	mfa.kind.recovery             factor kind label: recovery code
//	mfa.error.code                any wrong code, whatever the kind (one message for all)
//	mfa.error.locked              account locked after too many failures; contact support
//	mfa.error.wait                %s = delay before the next attempt (already formatted)
//	mfa.error.rate                too many codes sent; try later
//	mfa.error.email               enter a valid email address (Field "email")
//	mfa.error.saved               confirm the codes were saved (Field "saved")
//	mfa.error.key                 the security key's answer could not be verified
//	mfa.error.policy              the service needs a second factor not set up
//	mfa.error.none                no factor of the account can be used, no recovery code left
//	mfa.error.last                the last factor cannot be removed
//	mfa.error.name                a factor name longer than 64 characters
//	totp.title                    authenticator app set-up title
//	totp.step.open                step 1: open the app, add an account
//	totp.step.scan                step 2: scan the QR code or enter the key
//	totp.step.code                step 3: enter the app's code
//	totp.qr.alt                   alt text of the QR code
//	totp.manual.title             heading over the key: if you cannot scan
//	totp.manual.intro             enter the key; choose time-based if asked
//	totp.key                      label of the key
//	totp.account                  label of TOTPEnrolData.Account
//	totp.issuer                   label of TOTPEnrolData.Issuer
//	totp.name.label               label of the optional device name
//	totp.name.hint                device name example; 64 characters at most
//	email.title                   email code set-up title
//	email.intro                   a code goes to this address each time; use a personal one
//	email.label                   label of the email address
//	email.submit                  button: send a code
//	code.totp.title               code page title, Kind totp
//	code.totp.intro               enter the code the app shows
//	code.totp.label               label of the code field, authenticator app
//	code.email.title              code page title, Kind email
//	code.email.intro              %s = CodeData.SentTo, the masked address
//	code.email.intro.generic      when SentTo is empty
//	code.email.label              label of the code field, email
//	code.email.resend             button of ResendAction: send a new code
//	code.valid_for                %s = CodeData.ValidFor in words: how long an emailed code works
//	code.recovery.title           code page title, Kind recovery
//	code.recovery.intro           enter a saved recovery code; each works once
//	code.recovery.label           label of the recovery code field
//	code.recovery.hint            spaces and dashes are fine
//	code.confirm.title            code page title, Kind confirm: confirm your email address
//	code.confirm.intro            %s = CodeData.SentTo: enter the six-digit code sent there
//	code.confirm.intro.generic    when SentTo is empty
//	code.confirm.label            label of the code field, address confirmation
//	code.change_email.title       code page title, Kind change-email: confirm the new address
//	code.change_email.intro       %s = CodeData.SentTo, the new address
//	code.change_email.intro.generic when SentTo is empty
//	code.change_email.note        the current address stays in use until the new one is confirmed
//	code.change_email.label       label of the code field, new address
//	webauthn.login.title          security key page title (use)
//	webauthn.login.intro          insert or unlock the key, then select the button
//	webauthn.login.submit         button: use your security key
//	webauthn.register.title       security key page title (WebAuthnData.Register)
//	webauthn.register.intro       have the key ready, then select the button
//	webauthn.register.submit      button: register your security key
//	webauthn.name.label           label of the key's name
//	webauthn.name.hint            key name example; 64 characters at most
//	webauthn.error                data-msg-*: the key did not respond or was cancelled
//	webauthn.error.registered     data-msg-*-invalidstateerror: key already registered
//	webauthn.noscript             the key needs JavaScript; choose another way
//	recovery.title                recovery codes page title
//	recovery.intro                keep them safe; each works once; shown only now
//	recovery.use                  what a recovery code is for
//	recovery.print                button (shown by page.js): print the codes
//	recovery.download             link to RecoveryCodesData.DownloadURL: the codes as a text file
//	recovery.file.heading         first line of that file
//	recovery.reload               the page shows the same codes until they are saved
//	recovery.saved.label          label of the required checkbox "saved"
//	recovery.replaced             the old recovery codes no longer work
//	recovery.lost.legend          legend of the lost factors offered for removal
//	recovery.lost.hint            why a lost factor should go
//	terms.title                   terms of use page title
//	terms.intro                   accept to go on; decline goes back to the service
//	terms.version                 the version shown (%s)
//	terms.accept                  the accept button
//	terms.decline                 the decline button
//	legacy.title                  legacy account page title
//	legacy.intro                  what joining a former account does
//	legacy.once                   asked once; one former account per person
//	legacy.username.label         label of the former username
//	legacy.password.label         label of the former password
//	legacy.submit                 the join button
//	legacy.none                   the "I never had an account" button
//	legacy.none.hint              not asked again; support can change it
//	legacy.error.username         the former username is missing
//	legacy.error.password         the former password is missing
//	legacy.error.credentials      the one answer to a wrong username or password
//	legacy.error.taken            that former account is another person's
//	record.title.find             record step: the attributes' title
//	record.title.code             record step: the code's title
//	record.title.other            record step: the fallbacks' title
//	record.title.assisted         record step: request sent
//	record.find.intro             what finding a file does
//	record.find.submit            the find button
//	record.date.hint              how to type a date attribute
//	record.code.intro             the code went to the file's address (%s)
//	record.code.label             label of the code
//	record.code.submit            the confirm button
//	record.code.resend            the send-a-new-code button
//	record.code.lost              link to the fallbacks
//	record.other.intro            other ways to confirm the file
//	record.invoice.title          heading of the invoice fallback
//	record.invoice.label          label of the invoice number
//	record.invoice.hint           less than three years old
//	record.invoice.submit         the invoice button
//	record.assist.title           heading of the agent's help
//	record.assist.intro           an agent calls back at the file's details
//	record.assist.submit          the ask-an-agent button
//	record.back                   back to the code view
//	record.assisted.intro         what happens after the request
//	record.continue               go on to the service
//	record.error.required         a field is empty
//	record.error.date             a date attribute is not a date
//	record.error.nomatch          the one answer to attributes that match no file
//	record.error.ratelimited      too many codes sent
//	record.error.code.required    the code is empty
//	record.error.code             the code is wrong
//	record.error.code.expired     the code has expired
//	record.error.invoice.required the invoice number is empty
//	record.error.invoice          no such invoice of the last three years
//	record.error.taken            the file is another person's
//	org.title                     organization step page title
//	org.intro.choose              choose the organization you act for in %s (the service)
//	org.intro.none                %s (the service) needs an organization: enter your manager's code
//	org.choice                    one organization: its name (%s) — the role held (%s)
//	org.join.title                heading of the code form beside the chooser
//	org.code.label                the invitation (security) code field
//	org.code.hint                 what a code looks like
//	org.code.submit               the join button
//	org.activate.title            heading of the activation form
//	org.activate.intro            enter the client number and the mailed code
//	org.number.label              the client (external) number field
//	org.activation.label          the activation code field
//	org.activation.hint           where the activation code is
//	org.activate.submit           the activate button
//	org.request.title             heading: no activation code yet?
//	org.request.intro             ask for a new one by number; it replaces the old
//	org.request.submit            the button asking for an activation code
//	org.request.sent              the request is recorded; the code comes by mail
//	org.cancel                    back to the service without signing in
//	org.error.unknown             a code not recognized; wrong codes lock the account
//	org.error.expired             the code has expired
//	org.error.used                the code was used already
//	org.error.revoked             the code was cancelled by whoever issued it
//	org.error.member              already a member of that organization
//	org.error.inactive            the organization is not active
//	org.error.full                the organization takes no more members or invitations
//	org.error.number              no business awaits activation under that number
//	org.error.pending             another person's activation code is still valid
//	org.error.activation          the service does not activate businesses online
//	org.error.choice              choose one of your organizations
//	orgs.title                    Your organizations
//	orgs.intro                    The organizations you act for in government services, and your …
//	orgs.offers.title             Offers of ownership
//	orgs.offer                    Become the owner of %s (%s)
//	orgs.offer.accept             Accept ownership
//	orgs.offer.decline            Decline
//	orgs.list.title               Organizations you belong to
//	orgs.row                      %s — %s — %s
//	orgs.none                     You do not belong to any organization yet.
//	orgs.join.title               Join an organization
//	orgs.back                     Back to your account
//	orgs.notice.joined            You joined the organization.
//	orgs.notice.accepted          You are now the owner.
//	orgs.notice.declined          You declined the offer of ownership.
//	orgs.notice.left              You left the organization.
//	org.service                   Service
//	org.number                    Number
//	org.role                      Role
//	org.members.title             Members
//	org.role.label                New role for %s
//	org.role.submit               Change role
//	org.remove.submit             Remove from the organization
//	org.invitations.title         Pending invitations
//	org.invitation                %s, valid until %s
//	org.revoke.submit             Cancel this invitation
//	org.invite.title              Invite someone
//	org.invite.role               Role to give
//	org.invite.submit             Create a security code
//	org.invite.code               Give this security code to the person you invite. It is shown …
//	org.transfer.title            Transfer ownership
//	org.transfer.intro            Name the member who will become the owner. Ownership passes only …
//	org.transfer.family           Their family name
//	org.transfer.urn              Their User Reference Number (URN)
//	org.transfer.email            Their email address
//	org.transfer.submit           Offer ownership
//	org.leave.title               Leave the organization
//	org.leave.intro               You will no longer sign in for this organization.
//	org.leave.submit              Leave
//	org.back                      Back to your organizations
//	org.notice.revoked            The invitation is cancelled.
//	org.notice.removed            The member was removed.
//	org.notice.role               The role was changed.
//	org.notice.offered            Ownership is offered. It passes when the member accepts it on …
//	org.error.notallowed          Your role does not allow this.
//	org.error.person              No member of this organization has this family name, URN and …
//	org.error.owner               The owner cannot leave or be removed: transfer ownership first.
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
//
// # Language
//
// Language tries ui_locales, then the cookie, then Accept-Language (by
// q-value), matching on the base language so "fr-CA" is fr; when nothing
// matches the broker shows PageLanguage. The cookie is
// __Host-passerelle-lang with secure cookies (HTTPS only, this host only),
// else passerelle-lang. LanguageHandler redirects only to local paths, so
// /lang is not an open redirector.
//
// # Security headers
//
// SecurityHeaders sets the CSP (no inline script or style, no framing, no
// <base>), nosniff, Referrer-Policy no-referrer, X-Frame-Options DENY,
// Cross-Origin-Opener-Policy and, on TLS, HSTS. form-action is
// "'self' https:" (plus http: without TLS) and not "'self'": browsers
// apply form-action to the redirects that follow a form POST, and the
// broker answers a chooser or step POST with a redirect to an upstream
// sign-in service or to a relying party. A list of exact origins would
// have to track every client and provider; "https:" keeps out http:,
// data: and javascript: targets, and html/template escaping keeps out
// injected forms in the first place.
//
// # Look and theme
//
// The page frame follows Canada.ca's anatomy: the official-site banner
// area (Config.Banner, optional), a header with the Government of Canada
// signature (static/signature-<lang>.svg) and the language toggle, an app
// bar with the service's name, the main content, and a footer with the
// operator's terms, privacy, help and contact links (Config.Footer, a URL
// per language; unset links are left out) and the wordmark
// (static/wordmark.svg). The signature and wordmark are operator assets:
// a department supplies its own through ThemeDir; the embedded ones are
// clearly marked placeholders. static/style.css is written here on the GC
// Design System's published tokens (static/gcds-tokens.css, base and
// global, used by name), with Lato and Noto Sans self-hosted
// (static/fonts.css, static/fonts/): `make assets` vendors both from npm
// (tools/uiassets), and the output is committed, so a build needs no npm
// and no page asks another origin for anything (the CSP allows fonts,
// styles, scripts and images from 'self' only). Config.ThemeDir
// overrides any embedded asset file by file, read through os.Root so a
// theme cannot reach outside its directory.
package ui

package ui

// The catalogue's keys, with their fmt arguments: messages/en.json and
// messages/fr.json hold exactly the keys of keys*.go (TestDocListsEveryKey
// checks it). This file: the page frame, the sign-in journey and the
// second factors; keys_steps.go the clients' steps; keys_account.go the
// account pages and the built-in service.
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
//	window.left                   %s = time left in words: the account window's (TimeLimit.Window) sentence
//	window.soon                   the account window's warning
//	window.expired                announced when the account window has closed
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
//	mfa.about.webauthn            under a security key's choice: what it is; the strongest
//	mfa.about.totp                under an authenticator app's choice: what it is; strong
//	mfa.about.email               under an email code's choice: what it is; the weakest
//	mfa.about.recovery            about recovery codes: for emergencies only
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

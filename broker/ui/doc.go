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
// Render takes one of the Page* constants and its *Data struct. Each page's
// templates are parsed once per offered language, with the translations
// of constant keys already in (parsePage). Every page
// has <html lang>, a skip link to <main id="main">, the service name, a
// language toggle to the other language (/lang?l=xx&next=<current path>,
// the link itself marked with lang), exactly one h1 and a footer; when
// Common.Errors is set, an error summary that takes focus (autofocus on a
// tabindex=-1 role=alert block) links each error to its field. Choices are
// one small POST form each, with the hidden "csrf" field and one submit
// button, so they work with the keyboard alone. Every page loads
// static/page.js (deferred, from this origin), which only improves a page
// that works without it: it shows the recovery codes' print button
// (hidden until then), submits the form post page, keeps a time limit's
// words current with its warning and "more time" (Common.Limit), and
// sends a form once per press (a double click sends one answer). The
// security key page adds its own script file. <body data-page> names the
// page (for themes, and for the accessibility walk's check that no two
// pages share a title). A Choice may carry a Description (under its
// button, aria-describedby) and a Logo (decorative, alt="", beside the
// name in the same button: a bank's logo from the configuration).
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
// the colon. keys*.go list every key with its fmt arguments.
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

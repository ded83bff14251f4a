// Package webauthn is the security-key and passkey second factor, built on
// github.com/go-webauthn/webauthn. It runs the two WebAuthn ceremonies for
// the broker and knows nothing of HTTP routes or pages (SecurityKey, in
// factor.go, is the mfa.Factor the broker's registry lists):
//
//   - registration: BeginRegistration returns the options for
//     navigator.credentials.create and a session blob; FinishRegistration
//     verifies the browser's answer and returns a store.Factor whose
//     credential (public key, flags, transports) is sealed with the
//     factor ID, ready for store.CreateFactor;
//   - login: BeginLogin lists the account's credentials for
//     navigator.credentials.get; FinishLogin verifies the assertion and
//     returns the factor used and its new signature counter, which the
//     broker stores with RecordUse inside store.UpdateFactor.
//
// Session blobs are sealed (kind webauthn_register or webauthn_login, the
// account ID), so they are opaque and tied to one ceremony and account,
// and they expire with the browser's timeout. They are not single use by
// themselves: the broker keeps them server side (the request's factor
// state) and drops each one when a factor has passed, and a new ceremony
// replaces the last, which is what stops a replayed response.
//
// Errors the person may cause are ErrInvalid (a response that does not
// verify; the wrapped detail is for logs) and ErrCloned (a counter that
// went backwards: refuse and audit). No attestation is asked for: any key
// model is accepted and Passerelle learns nothing about which one a person
// owns. The user handle given to authenticators is the random account ID,
// and the account name is the URN, never an email address unless that is
// all there is.
//
// Script is the small browser script (webauthn.js) the broker serves as a
// static file; pages need no inline script. It drives a form marked
// data-webauthn="register" or data-webauthn="login":
//
//	<form method="post" data-webauthn="login">
//	  <input type="hidden" name="options" value="{{.OptionsJSON}}">
//	  <input type="hidden" name="response">
//	  <p data-webauthn-error hidden data-msg-en="..." data-msg-fr="..."></p>
//	  <button type="submit">...</button>
//	</form>
//
// On the submit button's click it calls navigator.credentials.create or
// get with the decoded options, puts the result as JSON (binary fields
// base64url) into the response field and submits the form. On failure it
// shows the message for the page's language (<html lang>) in the
// data-webauthn-error element and moves focus there; a page may give a
// message for one error name, as data-msg-fr-invalidstateerror (a key
// already registered) for example.
package webauthn

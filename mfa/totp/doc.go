// Package totp is the authenticator-app factor (RFC 6238 time-based
// one-time passwords), built on github.com/pquerna/otp.
//
// Enrolment: NewSecret draws a 160-bit secret in base32 (for manual
// entry); QR gives its otpauth:// URL and QR code, drawn when the set-up
// page is shown. Factor (factor.go, the mfa.Factor the broker's registry
// lists) keeps the secret being set up sealed in the request's state
// (kind "pending-totp", the auth request ID) and seals the proven one
// (kind "factor", the factor ID) before it is stored.
//
// Verification (Verify) accepts the current time step and Skew steps
// either side, and refuses any step at or before the last one accepted:
// each code works once, and a code seen over a shoulder or phished cannot
// be replayed within its window. Factor is an mfa.Checker: the
// mfa.Regulator runs Factor.Check, which unseals the secret and calls
// Verify against the factor as stored, inside the one
// store.UpdateAccountFactor that also counts the attempt, and stores the
// returned step in store.Factor.LastStep there, so two concurrent uses of
// one code cannot both win and a code costs one durable write, right or
// wrong.
package totp

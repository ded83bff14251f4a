// Package mfa holds what the second-factor layer shares: its configuration
// (the mfa section of the YAML tree), the assurance ladder that ranks acr
// values and says which factor kinds reach each, the amr values a factor
// contributes (RFC 8176), and the Regulator that counts failed attempts
// per account.
//
// The factors themselves live in sub-packages: mfa/totp (authenticator
// apps), mfa/emailotp (codes sent by email), mfa/recovery (single-use
// recovery codes) and mfa/webauthn (security keys). None of them renders
// a page or reads an HTTP request: the broker does, and calls them.
//
// # Failures and lockout
//
// One counter per account (store.Account.Failures) counts consecutive
// failures of every kind: password, TOTP, email and recovery codes,
// security keys. The broker calls Regulator.Check before it verifies
// anything, Regulator.Fail after a wrong answer and Regulator.Succeed
// after a right one. From the DelayFrom-th consecutive failure each new
// attempt must wait a delay that doubles with every failure up to
// MaxDelay (online guessing becomes slow), and at Limit failures the
// account locks until an administrator unlocks it (NIST SP 800-63B
// §5.2.2: at most 100 consecutive failures).
//
// # Assurance ladder
//
// The default ladder uses the Government of Canada vocabulary and Sign In
// Canada's ordering of factors:
//
//	urn:gc-ca:cyber-auth:assurance:loa1   upstream credential only
//	urn:gc-ca:cyber-auth:assurance:loa2   + email code, or a recovery code
//	urn:gc-ca:cyber-auth:assurance:loa3   + authenticator app (TOTP)
//	urn:gc-ca:cyber-auth:assurance:loa4   + security key (WebAuthn)
//
// A recovery code ranks with the email code: it is a fallback that must
// not reach higher than the weakest factor a person could otherwise use,
// or losing a phone would be a way up the ladder.
package mfa

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
// security keys. From the DelayFrom-th consecutive failure each new
// attempt must wait a delay that doubles with every failure up to
// MaxDelay (online guessing becomes slow), and at Limit failures the
// account locks until an administrator unlocks it (NIST SP 800-63B
// §5.2.2: at most 100 consecutive failures).
//
// The broker reserves every attempt before it verifies anything
// (Regulator.Reserve), then settles it with the outcome. A reservation
// checks the lock and the delay and counts the attempt as a failure in
// one store.UpdateAccount, so attempts in flight at the same time are
// counted as they start, not as they end: a burst of wrong answers sent
// at once gets DelayFrom of them verified (the delay then follows the
// last, as it would one at a time), and never more than Limit in all.
// Then:
//
//   - a right second factor (Attempt.Succeeded) resets the count;
//   - a right password or address confirmation (Attempt.Release) only
//     gives its own attempt back, so knowing the password never wipes the
//     count of wrong codes;
//   - a wrong answer (Attempt.Failed) leaves the count as reserved; the
//     one that took the count to Limit locks the account.
//
// The count never exceeds Limit: Reserve refuses with ErrLocked from
// Limit on, whether the lock is written yet or not. The Limit-th attempt
// is verified like the others, and locks only when it is wrong. A right
// answer settled after the account was locked (by the Limit-th failure
// of a concurrent attempt, or by an administrator) gets ErrLocked: the
// lock wins, and the broker refuses it. An attempt never settled (a store
// error, a crash) stays counted as a failure.
//
// Cost in durable writes (store.UpdateAccount commits): a successful
// second factor costs two, the reservation and the reset (before
// reservations it cost none when the count was zero, as it usually is,
// and one otherwise); a right password costs two, the reservation and its
// release; a wrong answer costs one, plus one for the lock at Limit; a
// refused reservation costs none. The reset cannot be skipped, since the
// reservation always leaves a count to clear; two commits of a few bytes
// are small beside a password hash or an upstream round trip, and they
// are what makes the limit hold against parallel guesses.
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

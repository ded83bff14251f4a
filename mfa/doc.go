// Package mfa holds what the second-factor layer shares: its configuration
// (the mfa section of the YAML tree), the Factor interface and the
// Registry of factor kinds, the assurance ladder that ranks acr values and
// says which factor kinds reach each, the amr values (RFC 8176), and the
// Regulator that counts failed attempts per account.
//
// # Factors
//
// Every kind of second factor is one Factor: its kind name, its amr, a
// challenge with one of the account's factors and the check of the
// answer, one of two ways: a Checker checks it against the stored factor
// alone and returns the factor with its use recorded, which the
// Regulator writes with the failure count (Regulator.Check); a Verifier,
// whose check needs more, records the use in the store update that
// re-checks it. Either way no answer passes twice. A kind a person sets
// up (Enroller) also gives the set-up page and the check that proves it.
// Optional capabilities are small interfaces beside it: Resender (a new
// code), Describer (a detail shown on the security page, and whether a
// new set-up may replace a
// factor). A factor keeps its own per-account data in store.Factor
// (sealed where secret) and its own per-request state, opaque to everyone
// else, in Input.State (the broker stores it under the kind in
// store.AuthRequest.FactorState and clears it once a factor has passed).
//
// The factors live in sub-packages, each with its Entry and Factor in a
// factor.go: mfa/totp (authenticator apps), mfa/emailotp (codes sent by
// email), mfa/webauthn (security keys) and mfa/recovery (single-use
// recovery codes, the fallback: no Enroller). The broker lists the entries
// in one file (broker/factors.go) and opens them into a Registry; a kind
// that is off in the configuration opens to nothing. No factor renders a
// page or reads an HTTP request beyond its own form fields: it returns a
// Prompt (a code, a WebAuthn ceremony, an app set-up, an address) and the
// broker picks the page from its Shape.
//
// Adding a kind touches its new package, one line of broker/factors.go
// (and its import), its rung in DefaultLadder (config.go, with its own
// settings if it has any) and its catalogue strings (mfa.kind.<kind>,
// security.add.<kind>, code.<kind>.* for a code page, in English, French
// and the key list of broker/ui's doc.go).
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
// Every attempt is checked against the lock and the delay and counted in
// the same store update, so attempts in flight at the same time each take
// their own place in the count: a burst of wrong answers sent at once
// gets DelayFrom of them verified (the delay then follows the last, as it
// would one at a time), and never more than Limit in all. There are two
// ways to do it, by what checking the answer needs.
//
// An answer the stored factor alone checks, cheaply (a Checker: TOTP,
// recovery codes, whose hash is SHA-256), is checked inside that update
// (Regulator.Check, one store.UpdateAccountFactor of the account and the
// factor). It refuses, writing nothing, while the account is locked or
// its count is at Limit (ErrLocked) or while the delay runs
// (*DelayError); otherwise it checks the answer against the factor as
// stored then, and either records the factor's use (the TOTP step, the
// spent code) and resets the count, or counts the failure (Failures+1,
// LastFailureAt) and, at Limit, locks the account in the same write.
// Answers in flight are checked one after the other, each against what
// the one before left: a code is accepted once, and a lock written before
// the update (by the Limit-th failure, by an administrator) wins.
//
// Any other attempt is reserved before anything is verified
// (Regulator.Reserve): a security key's assertion needs its ceremony's
// state, an email code its own record, a password the upstream or a slow
// hash. A reservation checks the lock and the delay and counts the
// attempt as a failure in one store.UpdateAccount, so attempts are
// counted as they start, not as they end. Then:
//
//   - a right second factor (Attempt.Succeeded) resets the count;
//   - a right password, address confirmation, invitation or activation
//     code, or business number (Attempt.Release) only
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
// Cost in durable writes: a checked answer (Check) costs one, right or
// wrong, the lock at Limit included, and the factor's own update with it;
// a refused one costs none. A reserved second factor costs two
// store.UpdateAccount commits, the reservation and the reset, plus the
// factor's own update (a security key's sign count, an email code spent);
// a right password costs two, the reservation and its release; a wrong
// answer costs one, plus one for the lock at Limit; a refused reservation
// costs none. The reset cannot be skipped, since the reservation always
// leaves a count to clear. A returning person's TOTP answer thus costs
// one write where it cost three.
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

// Package emailotp is the email-code factor: a six-digit code sent to an
// address, valid for a short time (10 minutes by default), usable once.
// The same codes confirm an address, reset a password or confirm a new
// address; the purpose is stored with the code and named in the email.
//
// Codes come from crypto/rand and are stored as a SHA-256 hash bound to
// the code's random ID. Six digits are only 20 bits: the hash keeps codes
// out of backups and database dumps, but someone reading the live
// database could try all million values within a code's lifetime, so the
// store itself must stay private. Online guessing is bounded three ways:
// every try counts toward the account's mfa.Regulator (the broker
// reserves it before VerifyRegulated and settles it with the outcome:
// delays, then a lock), five wrong tries burn a code checked without the
// regulator (Verify: the built-in service's password reset), and
// sends are capped per account per day and per address per hour, so the
// broker cannot be used to flood a mailbox either.
//
// Under the regulator a code is not burnt by wrong tries: the right
// code, unexpired, always works once the regulator's wait is over, so a
// person who mistyped a few times is not left with a dead code.
//
// Factor (factor.go) is the mfa.Factor the broker's registry lists: it
// keeps the code sent and its address as the request's state, so only a
// code sent to a factor's own address in this sign-in answers it.
package emailotp

// Package recovery is the recovery-code factor: a set of single-use codes
// the person keeps on paper for the day their other factors are lost.
//
// Each code is 12 characters drawn uniformly from a 32-letter alphabet by
// crypto/rand: 60 bits, above the 50 NIST SP 800-63B asks of a secret that
// is only guessed online. Codes are shown once, in groups of four
// ("abcd-efgh-jkmn"), and stored as SHA-256 hashes. A fast hash is enough
// here: 2^60 guesses are out of reach even offline, and online guessing is
// stopped by the mfa.Regulator long before.
//
// Generating a new set replaces the stored one (store.Factor.Codes), so
// every older code stops working at once (Factor.Renew). Factor (factor.go,
// the mfa.Factor the broker's registry lists) is an mfa.Checker: its Check
// runs Use, and the mfa.Regulator runs Check inside the one
// store.UpdateAccountFactor that also counts the attempt, so two
// concurrent uses of one code cannot both win, and a code costs one
// durable write, right or wrong. The fast hash is what allows it: Use
// compares a set's hashes in microseconds, inside the write transaction.
// Recovery codes are the fallback: no person sets them up from a page.
package recovery

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
// every older code stops working at once (Factor.Renew). Factor.Verify
// (factor.go, the mfa.Factor the broker's registry lists) runs Use inside
// store.UpdateFactor, so two concurrent uses of one code cannot both win.
// Recovery codes are the fallback: no person sets them up from a page.
package recovery

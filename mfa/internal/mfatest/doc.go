// Package mfatest gives the factor packages' tests real parts: a bbolt
// store in the test's temporary directory, an account in it, and a clock
// the test moves by hand. Only tests import it.
package mfatest

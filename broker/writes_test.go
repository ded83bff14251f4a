package broker_test

import (
	"testing"

	"github.com/passerelle/passerelle/store/bolt"
)

// maxSignInWrites is the budget of durable writes of a returning person's
// complete sign-in (issue 15): the grant, whose creation spends the code,
// and the SSO session.
const maxSignInWrites = 5

// TestReturningSignInWrites counts the durable commits of a returning
// person's whole sign-in over HTTP: authorize, upstream, TOTP, code,
// token exchange.
func TestReturningSignInWrites(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // enrols
	st := e.store.(*bolt.Store)
	before := st.Writes()
	e.signIn(r, e.browser(), "gckey", "alex")
	if n := st.Writes() - before; n > maxSignInWrites {
		t.Errorf("a returning sign-in made %d durable writes, want at most %d", n, maxSignInWrites)
	}
}

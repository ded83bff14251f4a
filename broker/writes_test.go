package broker_test

import (
	"testing"

	"github.com/passerelle/passerelle/store/bolt"
)

// maxSignInWrites is the budget of durable writes of a returning person's
// complete sign-in, issue 15's two: the TOTP answer (checked, counted and
// its step recorded in one update of the account and the factor,
// mfa.Regulator.Check) and the grant, whose creation spends the code,
// with the SSO session in the same commit (CreateGrantWithSession; the
// browser's previous session, when it had one, is deleted there too). It
// was 5 while the failure regulator reserved the attempt and reset the
// count in writes of their own, then 3 while the session had a commit of
// its own at completion; the auth request's writes and the audit event
// already left the durable path (store/doc.go, Durability).
const maxSignInWrites = 2

// maxSignInStatements is the budget of PostgreSQL statements of the same
// sign-in, the audit log's commits aside: store/postgres's doc says what
// each is.
const maxSignInStatements = 14

// countSignIn enrols alex, then returns how much each counter moved
// during alex's next complete sign-in over HTTP: authorize, upstream,
// TOTP, code, token exchange.
func countSignIn(t *testing.T, e *env, counters ...func() int64) []int64 {
	t.Helper()
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // enrols
	out := make([]int64, len(counters))
	for i, c := range counters {
		out[i] = c()
	}
	e.signIn(r, e.browser(), "gckey", "alex")
	for i, c := range counters {
		out[i] = c() - out[i]
	}
	return out
}

// TestReturningSignInWrites counts the durable commits of a returning
// person's sign-in on bbolt.
func TestReturningSignInWrites(t *testing.T) {
	e := newEnv(t)
	n := countSignIn(t, e, e.store.(*bolt.Store).Writes)[0]
	t.Logf("bbolt: a returning sign-in made %d durable writes", n)
	if n > maxSignInWrites {
		t.Errorf("a returning sign-in made %d durable writes, want at most %d", n, maxSignInWrites)
	}
}

// TestReturningSignInWritesPostgres is the same count with the broker on
// PostgreSQL: commits that flushed the write-ahead log (the unlogged
// auth_requests table's do not), and the statements sent.
func TestReturningSignInWritesPostgres(t *testing.T) {
	e, pg := postgresEnv(t, nil)
	got := countSignIn(t, e, pg.Writes, pg.Statements)
	n := got[0]
	t.Logf("PostgreSQL: a returning sign-in made %d durable writes in %d statements", n, got[1])
	if n > maxSignInWrites {
		t.Errorf("a returning sign-in made %d durable writes on PostgreSQL, want at most %d", n, maxSignInWrites)
	}
	if got[1] > maxSignInStatements {
		t.Errorf("a returning sign-in sent %d statements to PostgreSQL, want at most %d", got[1], maxSignInStatements)
	}
}

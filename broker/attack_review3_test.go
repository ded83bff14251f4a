package broker_test

// Attacks on this session's changes (third review): the bound on sign-ins
// in progress on both stores, and the second factor checked in one store
// update by brokers sharing one database.

import (
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/postgres"
)

// boundedOnEachStore runs test with the broker on a bbolt file and on
// PostgreSQL (skipped where PASSERELLE_TEST_POSTGRES_DSN is not set),
// each holding at most bound sign-ins in progress.
func boundedOnEachStore(t *testing.T, bound int, test func(t *testing.T, e *env)) {
	t.Run("bolt", func(t *testing.T) {
		test(t, newEnvOpts(t, envOptions{rateLimit: testRateLimit, maxAuthRequests: bound}))
	})
	t.Run("postgres", func(t *testing.T) {
		pg, err := postgres.Open(t.Context(), pgtest.Schema(t), postgres.Options{MaxAuthRequests: bound})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		e := newEnvOpts(t, envOptions{rateLimit: testRateLimit, wrap: func(store.Store) store.Store { return pg }})
		e.store = pg
		test(t, e)
	})
}

// TestAttackFloodSparesFirstSignIn: a person signing in for the first
// time has passed their credential at the upstream and is asked whether
// to create an account or link one (no account named yet). A flood of
// anonymous sign-ins filling the bounded table meanwhile must not end
// theirs: they create their account and reach a code.
func TestAttackFloodSparesFirstSignIn(t *testing.T) {
	const bound = 30
	boundedOnEachStore(t, bound, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		newcomer := e.browser()
		a := r.start()
		p := newcomer.upstreamLoginRaw(newcomer.choose(newcomer.Get(a.url), "gckey"), "sam")
		to, v, ok := p.Action("/first/create")
		if !ok {
			t.Fatalf("after a first credential: %s, want the first sign-in's choice", p.Resp.Request.URL)
		}
		for range 3 * bound {
			resp, err := noRedirects.Get(authURL(e.issuer, validParams()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		p = newcomer.Post(to, v)
		if !strings.Contains(p.Resp.Request.URL.Path, "/mfa") {
			t.Fatalf("creating the account after the flood: %d at %s, want the second factor", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		q := r.callback(newcomer.totpMFA(p, "gckey/sam"), a)
		if _, err := r.exchange(q.Get("code"), a); err != nil {
			t.Fatalf("the first sign-in past its credential before the flood: %v", err)
		}
	})
}

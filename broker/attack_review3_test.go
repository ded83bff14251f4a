package broker_test

// Attacks on this session's changes (third review): the bound on sign-ins
// in progress on both stores, and the second factor checked in one store
// update by brokers sharing one database.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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
// to create an account or link one (no account named yet). A flood
// filling the bounded table meanwhile must not end theirs: anonymous
// sign-ins, and a person holding one account's password (their own at a
// public upstream, or a stolen one) who passes it in as many sign-ins,
// from a fresh browser each, and never answers the second factor. Those
// are past their credential, yet the table never refuses (the
// attacker's own go on: store.MaxHeldAuthRequests), and the newcomer
// creates their account and reaches a code.
func TestAttackFloodSparesFirstSignIn(t *testing.T) {
	const bound = 30
	boundedOnEachStore(t, bound, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		e.signIn(r, e.browser(), "gckey", "alex")
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
			b := e.browser()
			q := b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "alex")
			if !strings.Contains(q.Resp.Request.URL.Path, "/mfa") {
				t.Fatalf("the attacker's sign-in past the password: %d at %s, want the second factor", q.Resp.StatusCode, q.Resp.Request.URL)
			}
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

// ackLost is a store whose UpdateAccountFactor commits, once, and then
// answers with an error, as a connection lost after the commit would;
// after that, when failAfter is set, it fails the next auth request
// write (a store error after the check).
type ackLost struct {
	store.Store
	mu        sync.Mutex
	lost      bool // an answer's commit was not acknowledged
	failAfter bool
	failing   bool // the next UpdateAuthRequest fails
}

func (s *ackLost) UpdateAccountFactor(ctx context.Context, accountID, factorID string,
	fn func(store.Account, store.Factor) (store.Account, store.Factor, error)) error {
	err := s.Store.UpdateAccountFactor(ctx, accountID, factorID, fn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		return err
	}
	if s.failAfter {
		s.failing, s.failAfter = true, false
		return nil
	}
	if !s.lost {
		s.lost = true
		return errors.New("connection lost after the commit")
	}
	return nil
}

func (s *ackLost) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	s.mu.Lock()
	failing := s.failing
	s.failing = false
	s.mu.Unlock()
	if failing {
		return errors.New("store unavailable")
	}
	return s.Store.UpdateAuthRequest(ctx, id, fn)
}

// TestAttackCheckErrorInTheMiddle: the right code is checked and its use
// committed, then the store fails: the commit's acknowledgement is lost,
// or the sign-in's progress cannot be written. Either way the answer is
// the service-unavailable page and no code; the same code again is a
// replay; only the app's next code goes on.
func TestAttackCheckErrorInTheMiddle(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failAfter bool
	}{{"acknowledgement lost", false}, {"progress not written", true}} {
		t.Run(tc.name, func(t *testing.T) {
			wrap := func(st store.Store) store.Store {
				return &ackLost{Store: st, lost: tc.failAfter, failAfter: tc.failAfter}
			}
			onEachStore(t, wrap, nil, func(t *testing.T, e *env) {
				_, cs := e.challenges(1)
				c := cs[0]
				e.clock.Advance(time.Minute) // a time step the set-up did not use
				c.form.Set("code", e.totpCode(e.totp["gckey/alex"]))
				p := c.b.Post(c.to, c.form)
				noCode(t, p, "right code, then a store error")
				if p.Resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("right code, then a store error: %d at %s, want 503", p.Resp.StatusCode, p.Resp.Request.URL)
				}
				p = c.b.Post(c.to, c.form)
				noCode(t, p, "the same code again")
				if p.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(p.Body, "The code is not valid.") {
					t.Fatalf("the same code again: %d at %s, want it refused as a replay", p.Resp.StatusCode, p.Resp.Request.URL)
				}
				e.clock.Advance(30 * time.Second)
				c.form.Set("code", e.totpCode(e.totp["gckey/alex"]))
				if p = c.b.Post(c.to, c.form); !strings.Contains(p.Resp.Header.Get("Location"), "code=") {
					t.Fatalf("the app's next code: %d at %s, want a code for the relying party", p.Resp.StatusCode, p.Resp.Request.URL)
				}
			})
		})
	}
}

// TestAttackSetUpCodeAtChallenge: the code a person typed to set up
// their app, seen over their shoulder, is tried at the challenge of a
// sign-in with their password, in the same time step, on both stores:
// refused, as the step the set-up used is the factor's last; the app's
// next code goes on.
func TestAttackSetUpCodeAtChallenge(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		e.signIn(r, e.browser(), "gckey", "sam") // sets up the app; the clock stays in the set-up's step
		seen := e.totpCode(e.totp["gckey/sam"])
		b := e.browser()
		p := b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "sam")
		to, v, ok := p.UseForm()
		if !ok || !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
			t.Fatalf("sign-in with the password: %d at %s, want the challenge", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		v.Set("code", seen)
		p = b.Post(to, v)
		noCode(t, p, "the set-up's code at the challenge")
		if p.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(p.Body, "The code is not valid.") {
			t.Fatalf("the set-up's code at the challenge: %d at %s, want it refused", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		e.clock.Advance(30 * time.Second)
		v.Set("code", e.totpCode(e.totp["gckey/sam"]))
		if p = b.Post(to, v); !strings.Contains(p.Resp.Header.Get("Location"), "code=") {
			t.Fatalf("the app's next code: %d at %s, want a code for the relying party", p.Resp.StatusCode, p.Resp.Request.URL)
		}
	})
}

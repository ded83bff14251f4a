package broker_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/postgres"
)

// Answers the stored factor alone checks (authenticator and recovery
// codes) are checked in the one store update that counts them
// (mfa.Regulator.Check). Attacked here as a person holding the password
// and a code seen once would try it, with the broker on each store.

// onEachStore runs test with the broker on a bbolt file and on PostgreSQL
// (skipped where PASSERELLE_TEST_POSTGRES_DSN is not set), its store
// wrapped by wrap (nil: none), its configuration changed by mods. e.store
// is the broker's store, unwrapped.
func onEachStore(t *testing.T, wrap func(store.Store) store.Store, mods []func(*broker.Config), test func(t *testing.T, e *env)) {
	if wrap == nil {
		wrap = func(s store.Store) store.Store { return s }
	}
	t.Run("bolt", func(t *testing.T) { test(t, newEnvStore(t, demoidp.Faults{}, wrap, mods...)) })
	t.Run("postgres", func(t *testing.T) {
		e, _ := postgresEnv(t, wrap, mods...)
		test(t, e)
	})
}

// postgresEnv is an environment whose broker runs on PostgreSQL, a fresh
// schema (skipped where PASSERELLE_TEST_POSTGRES_DSN is not set), its
// store wrapped by wrap (nil: none), its configuration changed by mods;
// e.store is that store, unwrapped. The store's clock is the real one:
// the test's only moves forward, so nothing expires early.
func postgresEnv(t *testing.T, wrap func(store.Store) store.Store, mods ...func(*broker.Config)) (*env, *postgres.Store) {
	t.Helper()
	pg, err := postgres.Open(t.Context(), pgtest.Schema(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if wrap == nil {
		wrap = func(s store.Store) store.Store { return s }
	}
	e := newEnvStore(t, demoidp.Faults{}, func(store.Store) store.Store { return wrap(pg) }, mods...)
	e.store = pg
	return e, pg
}

// alexFactor is alex's authenticator-app factor as stored.
func alexFactor(t *testing.T, e *env, acct store.Account) store.Factor {
	t.Helper()
	fs, err := e.store.ListFactors(context.Background(), acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Kind == store.FactorTOTP {
			return f
		}
	}
	t.Fatal("alex has no authenticator app")
	return store.Factor{}
}

// TestAttackSameCodeInFlight: a right code (seen over a shoulder) posted
// from 8 sign-ins at once: exactly one goes on; every other copy is a
// replay, counted as a wrong code until the delay holds the rest back.
func TestAttackSameCodeInFlight(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		alex, cs := e.challenges(8)
		e.clock.Advance(time.Minute) // a time step the set-up did not use
		right := e.totpCode(e.totp["gckey/alex"])
		as := postAll(cs, "code", func(int) string { return right })
		passed := 0
		for _, a := range as {
			if a.err == nil && a.status == http.StatusSeeOther {
				passed++
			}
		}
		if n := tallyOf(t, as); passed != 1 || n != (tally{wrong: 5, wait: 2, other: 1}) {
			t.Errorf("one right code from 8 sign-ins at once: %d went on, %+v; want 1, then 5 replays refused and 2 held back", passed, n)
		}
		if a := alex(); a.Failures != 5 || a.Locked {
			t.Errorf("failures %d locked %v, want the 5 replays counted", a.Failures, a.Locked)
		}
	})
}

// TestAttackRecoveryCodeInFlight: one recovery code (found on paper)
// posted from 8 sign-ins at once is spent by exactly one, which goes on
// to set up a new factor; the other copies are refused and counted until
// the delay holds the rest back.
func TestAttackRecoveryCodeInFlight(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		alex, cs := e.challenges(8)
		for i, c := range cs {
			p := c.b.Get(c.to)
			p = c.b.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
			to, v, ok := p.Action("/mfa/recovery")
			if !ok {
				t.Fatalf("sign-in %d: no recovery code page: %s", i, p.Resp.Request.URL)
			}
			cs[i].to, cs[i].form = to, v
		}
		code := e.recovery["gckey/alex"][0]
		as := postAll(cs, "code", func(int) string { return code })
		passed := 0
		for _, a := range as { // a spent code asks for a new factor at once
			if a.err == nil && a.status == http.StatusOK && strings.Contains(a.body, "Set up a second factor") {
				passed++
			}
		}
		if n := tallyOf(t, as); passed != 1 || n != (tally{wrong: 5, wait: 2, other: 1}) {
			t.Errorf("one recovery code from 8 sign-ins at once: %d went on, %+v; want 1, then 5 refused and 2 held back", passed, n)
		}
		x, err := e.store.ListFactors(context.Background(), alex().ID)
		if err != nil {
			t.Fatal(err)
		}
		spent := 0
		for _, f := range x {
			for _, c := range f.Codes {
				if !c.UsedAt.IsZero() {
					spent++
				}
			}
		}
		if spent != 1 {
			t.Errorf("%d recovery codes spent, want 1", spent)
		}
	})
}

// lockMeanwhile is a store on which an administrator's lock lands once,
// after the challenge's page was loaded (the account unlocked) and just
// before the answer is checked.
type lockMeanwhile struct {
	store.Store
	once sync.Once
	lock func()
}

func (s *lockMeanwhile) UpdateAccountFactor(ctx context.Context, accountID, factorID string,
	fn func(store.Account, store.Factor) (store.Account, store.Factor, error)) error {
	s.once.Do(s.lock)
	return s.Store.UpdateAccountFactor(ctx, accountID, factorID, fn)
}

// TestAttackRightCodeMeetsAdminLock: a right code posted while an
// administrator locks the account, the lock landing between the page's
// load and the code's check: the lock wins. The answer gets the locked
// page, no code, and neither the factor nor the count is written.
func TestAttackRightCodeMeetsAdminLock(t *testing.T) {
	var ls *lockMeanwhile
	wrap := func(st store.Store) store.Store { ls = &lockMeanwhile{Store: st}; return ls }
	onEachStore(t, wrap, nil, func(t *testing.T, e *env) {
		alex, cs := e.challenges(1)
		svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{}, nil, e.clock.Now)
		ls.lock = func() {
			if err := svc.Lock(context.Background(), alex().URN); err != nil {
				t.Error(err)
			}
		}
		before := alexFactor(t, e, alex())
		e.clock.Advance(time.Minute) // a time step the set-up did not use
		c := cs[0]
		c.form.Set("code", e.totpCode(e.totp["gckey/alex"]))
		p := c.b.Post(c.to, c.form)
		noCode(t, p, "right code after the lock")
		if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, "Your account is locked") {
			t.Errorf("right code meeting the lock: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		a := alex()
		if !a.Locked || a.Failures != 0 {
			t.Errorf("locked %v failures %d, want locked and nothing counted", a.Locked, a.Failures)
		}
		if after := alexFactor(t, e, a); after.LastStep != before.LastStep || !after.LastUsedAt.Equal(before.LastUsedAt) {
			t.Errorf("the refused code was recorded on the factor: step %d → %d", before.LastStep, after.LastStep)
		}
	})
}

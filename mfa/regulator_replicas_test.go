package mfa_test

import (
	"context"
	"testing"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/postgres"
)

// Two broker replicas over one PostgreSQL database, each with its own
// store (its own connections) and its own Regulator: the count lives in
// the account row, so a burst split between them is held as one from a
// single replica would be, whichever way each answer is checked (inside
// the update on one replica, reserved then settled on the other).

// replicas opens two stores over one fresh database, with acct and its
// app on the first; the second replica's app checks the same factor.
func replicas(t *testing.T, cfg mfa.LockoutConfig) (one, two *appFactor, get func() store.Account) {
	t.Helper()
	dsn := pgtest.Schema(t)
	clock := mfatest.NewClock()
	var sts [2]store.Store
	for i := range sts {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{Now: clock.Now})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		sts[i] = s
	}
	mfatest.Account(t, sts[0], acct)
	one = newAppFactor(t, sts[0], clock, cfg)
	two = &appFactor{st: sts[1], reg: mfa.NewRegulator(sts[1], cfg, clock.Now), app: one.app, x: one.x, secret: one.secret, clock: clock}
	return one, two, func() store.Account { return account(t, sts[1]) }
}

// mixedBurst sends n wrong answers at once, alternating between the
// replicas and between the two ways of checking one: an authenticator
// code checked in the update (Check) on one, a reserved attempt settled
// as a failure (a security key's wrong answer) on the other.
func mixedBurst(one, two *appFactor, n int) burstResult {
	ctx := context.Background()
	wrong := one.wrong()
	return burstOf(n, func(i int) (bool, bool, error) {
		if i%2 == 0 {
			return one.check(wrong)
		}
		att, err := two.reg.Reserve(ctx, acct)
		if err != nil {
			return false, false, err
		}
		locked, err := att.Failed(ctx)
		return false, locked, err
	})
}

// TestReplicasBurstStopsAtDelay: 60 wrong answers at once over two
// replicas, default settings: exactly DelayFrom reach a check.
func TestReplicasBurstStopsAtDelay(t *testing.T) {
	one, two, get := replicas(t, mfa.LockoutConfig{})
	if res := mixedBurst(one, two, 60); res != (burstResult{verified: 5, delayed: 55}) {
		t.Errorf("60 wrong answers over two replicas: %+v, want 5 checked and 55 held back", res)
	}
	if a := get(); a.Failures != 5 || a.Locked {
		t.Errorf("failures %d locked %v, want 5 and unlocked", a.Failures, a.Locked)
	}
}

// TestReplicasBurstNeverPassesLimit: the delay out of the way, 60 wrong
// answers at once over two replicas: exactly Limit are checked, the
// account locks once, and the right code is refused on either replica.
func TestReplicasBurstNeverPassesLimit(t *testing.T) {
	one, two, get := replicas(t, mfa.LockoutConfig{Limit: 10, DelayFrom: 10})
	res := mixedBurst(one, two, 60)
	if res.verified != 10 || res.locked != 50 || res.lockedBy != 1 || res.right+res.delayed+res.other != 0 {
		t.Errorf("60 wrong answers over two replicas, limit 10: %+v, want 10 checked (one locking) and 50 refused", res)
	}
	if a := get(); a.Failures != 10 || !a.Locked {
		t.Errorf("failures %d locked %v, want 10 and locked", a.Failures, a.Locked)
	}
	for i, r := range []*appFactor{one, two} {
		if right, _, err := r.check(r.code(0)); right || err == nil {
			t.Errorf("replica %d: the right code once locked: right %v, err %v", i+1, right, err)
		}
	}
}

// TestReplicasSameCodeInFlight: one right code posted 20 times at once,
// half to each replica: accepted once; the other copies are replays,
// counted until the delay holds the rest back.
func TestReplicasSameCodeInFlight(t *testing.T) {
	one, two, get := replicas(t, mfa.LockoutConfig{})
	code := one.code(0)
	res := burstOf(20, func(i int) (bool, bool, error) { return []*appFactor{one, two}[i%2].check(code) })
	if res != (burstResult{right: 1, verified: 5, delayed: 14}) {
		t.Errorf("one right code 20 times over two replicas: %+v, want 1 accepted, 5 replays counted, 14 held back", res)
	}
	if a := get(); a.Failures != 5 {
		t.Errorf("failures %d, want the 5 replays", a.Failures)
	}
}

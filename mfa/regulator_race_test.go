package mfa_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/postgres"
)

// The regulator against parallel guesses, on both stores: bbolt on a
// file in the test's directory, and PostgreSQL when
// PASSERELLE_TEST_POSTGRES_DSN is set (each test in a schema of its own).
// The clock stands still unless a test moves it, so what a burst may do
// is exact, whatever the machine's load.

// backends opens a fresh store of each kind, with an account in it.
var backends = []struct {
	name string
	open func(t *testing.T, now func() time.Time) store.Store
}{
	{"bolt", func(t *testing.T, now func() time.Time) store.Store { return mfatest.Store(t, now) }},
	{"postgres", func(t *testing.T, now func() time.Time) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.Schema(t), postgres.Options{Now: now})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// eachStore runs test on every backend.
func eachStore(t *testing.T, cfg mfa.LockoutConfig, test func(t *testing.T, r *mfa.Regulator, clock *mfatest.Clock, get func() store.Account)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			clock := mfatest.NewClock()
			st := b.open(t, clock.Now)
			mfatest.Account(t, st, acct)
			test(t, mfa.NewRegulator(st, cfg, clock.Now), clock, func() store.Account { return account(t, st) })
		})
	}
}

// burstResult is what a burst of answers did.
type burstResult struct {
	right                  int // right answers accepted
	verified               int // wrong answers checked and counted
	delayed, locked, other int
	lockedBy               int // verified attempts whose failure locked the account
}

// burst sends n wrong answers at once: each reserves an attempt and, when
// it gets one, is "verified" (counted) and settled as a failure.
func burst(r *mfa.Regulator, n int) burstResult {
	ctx := context.Background()
	return burstOf(n, func(int) (bool, bool, error) {
		att, err := r.Reserve(ctx, acct)
		if err != nil {
			return false, false, err
		}
		locked, err := att.Failed(ctx)
		return false, locked, err
	})
}

// burstOf makes n attempts at once, try(i) the i-th, and sorts their
// outcomes.
func burstOf(n int, try func(i int) (right, locked bool, err error)) burstResult {
	var (
		mu  sync.Mutex
		res burstResult
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			right, locked, err := try(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && right:
				res.right++
			case err == nil:
				res.verified++
				if locked {
					res.lockedBy++
				}
			case errors.Is(err, mfa.ErrDelayed):
				res.delayed++
			case errors.Is(err, mfa.ErrLocked):
				res.locked++
			default:
				res.other++
			}
		})
	}
	close(start)
	wg.Wait()
	return res
}

// TestReserveBurstStopsAtDelay: 60 wrong answers at once, default
// settings. Exactly DelayFrom of them are verified, as one at a time: the
// delay follows the DelayFrom-th failure, and every other one is held
// back unverified.
func TestReserveBurstStopsAtDelay(t *testing.T) {
	eachStore(t, mfa.LockoutConfig{}, func(t *testing.T, r *mfa.Regulator, _ *mfatest.Clock, get func() store.Account) {
		res := burst(r, 60)
		if res.verified != 5 || res.delayed != 55 || res.other != 0 {
			t.Errorf("burst of 60: %+v, want 5 verified and 55 held back", res)
		}
		if a := get(); a.Failures != 5 || a.Locked {
			t.Errorf("failures %d locked %v, want 5 and unlocked", a.Failures, a.Locked)
		}
	})
}

// TestReserveBurstNeverPassesLimit: with the delay out of the way
// (DelayFrom = Limit), 60 wrong answers at once verify exactly Limit,
// the count stops at Limit and the Limit-th failure locks.
func TestReserveBurstNeverPassesLimit(t *testing.T) {
	eachStore(t, mfa.LockoutConfig{Limit: 10, DelayFrom: 10}, func(t *testing.T, r *mfa.Regulator, _ *mfatest.Clock, get func() store.Account) {
		res := burst(r, 60)
		if res.verified != 10 || res.locked != 50 || res.lockedBy != 1 || res.other != 0 {
			t.Errorf("burst of 60 with limit 10: %+v, want 10 verified (one locking) and 50 refused as locked", res)
		}
		if a := get(); a.Failures != 10 || !a.Locked {
			t.Errorf("failures %d locked %v, want 10 and locked", a.Failures, a.Locked)
		}
	})
}

// TestReserveBurstsUntilLocked: bursts of 20 with the longest delay
// passed between them: the first verifies DelayFrom, each later one
// exactly one, until the count reaches Limit; then nothing.
func TestReserveBurstsUntilLocked(t *testing.T) {
	eachStore(t, mfa.LockoutConfig{Limit: 12}, func(t *testing.T, r *mfa.Regulator, clock *mfatest.Clock, get func() store.Account) {
		total := 0
		for round := range 10 {
			res := burst(r, 20)
			want := 1
			switch {
			case round == 0:
				want = 5
			case round >= 8: // 5 + 7 = 12 after round 7
				want = 0
			}
			if res.verified != want || res.other != 0 {
				t.Fatalf("round %d: %+v, want %d verified", round, res, want)
			}
			total += res.verified
			clock.Advance(30 * time.Second)
		}
		if a := get(); total != 12 || a.Failures != 12 || !a.Locked {
			t.Errorf("verified %d, failures %d, locked %v: want 12, 12, locked", total, a.Failures, a.Locked)
		}
	})
}

// TestReserveRightAnswerRacingTheLock: a right answer reserved first,
// then Limit-1 wrong ones at once. Settled after the lock, the right one
// loses. Settled while the wrong ones settle, either it comes first (the
// count resets and nothing locks) or the lock does (it is refused): never
// both a success and a lock.
func TestReserveRightAnswerRacingTheLock(t *testing.T) {
	const limit = 8
	cfg := mfa.LockoutConfig{Limit: limit, DelayFrom: limit}
	eachStore(t, cfg, func(t *testing.T, r *mfa.Regulator, _ *mfatest.Clock, get func() store.Account) {
		ctx := context.Background()
		right, err := r.Reserve(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if res := burst(r, limit+5); res.verified != limit-1 || res.lockedBy != 1 {
			t.Fatalf("wrong answers around a reserved right one: %+v, want %d verified, one locking", res, limit-1)
		}
		if err := right.Succeeded(ctx); !errors.Is(err, mfa.ErrLocked) {
			t.Fatalf("right answer settled after the lock: %v, want ErrLocked", err)
		}
		if a := get(); !a.Locked || a.Failures != limit {
			t.Fatalf("locked %v failures %d, want locked at %d", a.Locked, a.Failures, limit)
		}
	})
	for round := range 5 {
		eachStore(t, cfg, func(t *testing.T, r *mfa.Regulator, _ *mfatest.Clock, get func() store.Account) {
			ctx := context.Background()
			right, err := r.Reserve(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- right.Succeeded(ctx) }()
			burst(r, limit-1)
			err = <-done
			a := get()
			if err != nil && !errors.Is(err, mfa.ErrLocked) {
				t.Fatal(err)
			}
			if (err == nil) == a.Locked {
				t.Errorf("round %d: right answer %v, account locked %v: the lock must win or not happen", round, err, a.Locked)
			}
			if a.Failures > limit {
				t.Errorf("round %d: failures %d past the limit", round, a.Failures)
			}
		})
	}
}

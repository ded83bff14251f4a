package mfa_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/store"
)

const acct = "acct-1"

func newRegulator(t *testing.T, cfg mfa.LockoutConfig) (*mfa.Regulator, *mfatest.Clock, func() store.Account) {
	t.Helper()
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, acct)
	return mfa.NewRegulator(st, cfg, clock.Now), clock, func() store.Account { return account(t, st) }
}

func account(t *testing.T, st store.Store) store.Account {
	t.Helper()
	a, err := st.GetAccount(context.Background(), acct)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// reserve reserves an attempt, first waiting out any delay on the clock.
func reserve(t *testing.T, r *mfa.Regulator, clock *mfatest.Clock) *mfa.Attempt {
	t.Helper()
	att, err := r.Reserve(context.Background(), acct)
	var d *mfa.DelayError
	if errors.As(err, &d) {
		clock.Advance(d.Wait)
		att, err = r.Reserve(context.Background(), acct)
	}
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	return att
}

// wrong makes n wrong attempts, one at a time, each after its delay.
func wrong(t *testing.T, r *mfa.Regulator, clock *mfatest.Clock, n int) (locked bool) {
	t.Helper()
	for range n {
		var err error
		if locked, err = reserve(t, r, clock).Failed(context.Background()); err != nil {
			t.Fatalf("Failed: %v", err)
		}
	}
	return locked
}

// waitFor is the wait Reserve asks for now; when there is none, the
// attempt it reserved is given back.
func waitFor(t *testing.T, r *mfa.Regulator) time.Duration {
	t.Helper()
	att, err := r.Reserve(context.Background(), acct)
	var d *mfa.DelayError
	if errors.As(err, &d) {
		if !errors.Is(err, mfa.ErrDelayed) {
			t.Fatalf("a DelayError is not ErrDelayed: %v", err)
		}
		return d.Wait
	}
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if err := att.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	return 0
}

func TestRegulatorDelayGrowsAndCaps(t *testing.T) {
	r, clock, _ := newRegulator(t, mfa.LockoutConfig{})
	wrong(t, r, clock, 4)
	if w := waitFor(t, r); w != 0 {
		t.Fatalf("after 4 failures: wait %v, want none", w)
	}
	// 5th failure: 1s; then 2s, 4s, 8s, 16s, 30s (capped), 30s.
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		wrong(t, r, clock, 1)
		if w := waitFor(t, r); w != want*time.Second {
			t.Fatalf("after failure %d: wait %v, want %v", 5+i, w, want*time.Second)
		}
	}
	clock.Advance(29 * time.Second)
	if w := waitFor(t, r); w != time.Second {
		t.Errorf("29s later: wait %v, want 1s", w)
	}
	clock.Advance(time.Second)
	if w := waitFor(t, r); w != 0 {
		t.Errorf("30s later: wait %v, want none", w)
	}
}

func TestRegulatorLocksAtLimit(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{Limit: 10})
	if wrong(t, r, clock, 9) {
		t.Fatal("locked before the limit")
	}
	if !wrong(t, r, clock, 1) {
		t.Fatal("not locked at the limit")
	}
	clock.Advance(24 * time.Hour)
	if _, err := r.Reserve(context.Background(), acct); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Reserve on a locked account: %v, want ErrLocked", err)
	}
	if a := get(); a.Failures != 10 || !a.Locked {
		t.Fatalf("after the limit: failures %d, locked %v", a.Failures, a.Locked)
	}
	if err := r.Unlock(context.Background(), acct); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if w := waitFor(t, r); w != 0 {
		t.Errorf("after Unlock: wait %v, want none", w)
	}
	if wrong(t, r, clock, 4) {
		t.Error("the count did not restart after Unlock")
	}
}

func TestRegulatorDefaultLimitIs100(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{})
	if wrong(t, r, clock, 99) {
		t.Fatal("locked before 100")
	}
	if !wrong(t, r, clock, 1) || get().Failures != 100 {
		t.Fatalf("not locked at 100 (failures %d)", get().Failures)
	}
}

// TestRegulatorLastAttemptIsVerified: the Limit-th attempt is verified
// like the others; right, it resets the count and locks nothing.
func TestRegulatorLastAttemptIsVerified(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{Limit: 3})
	wrong(t, r, clock, 2)
	if err := reserve(t, r, clock).Succeeded(context.Background()); err != nil {
		t.Fatalf("Succeeded on the last attempt: %v", err)
	}
	if a := get(); a.Failures != 0 || a.Locked {
		t.Errorf("after a right last attempt: failures %d, locked %v", a.Failures, a.Locked)
	}
}

func TestRegulatorSucceededResets(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{})
	wrong(t, r, clock, 6)
	if err := reserve(t, r, clock).Succeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := get(); a.Failures != 0 || !a.LastFailureAt.IsZero() {
		t.Fatalf("after Succeeded: failures %d, last failure %v", a.Failures, a.LastFailureAt)
	}
	if w := waitFor(t, r); w != 0 {
		t.Errorf("wait after Succeeded: %v", w)
	}
}

// TestRegulatorReleaseKeepsEarlierFailures: a right password gives its own
// attempt back, and leaves the wrong codes before it counted, with the
// time of the last of them.
func TestRegulatorReleaseKeepsEarlierFailures(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{})
	wrong(t, r, clock, 6)
	before := get()
	clock.Advance(time.Minute)
	att := reserve(t, r, clock)
	if n := get().Failures; n != 7 {
		t.Fatalf("a reservation counts at once: failures %d, want 7", n)
	}
	if err := att.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := get(); a.Failures != 6 || !a.LastFailureAt.Equal(before.LastFailureAt) {
		t.Errorf("after Release: failures %d at %v, want 6 at %v", a.Failures, a.LastFailureAt, before.LastFailureAt)
	}
}

// TestRegulatorReleaseAfterAnotherAttempt: an attempt reserved since
// keeps the released one counted (the safe side).
func TestRegulatorReleaseAfterAnotherAttempt(t *testing.T) {
	r, clock, get := newRegulator(t, mfa.LockoutConfig{})
	first := reserve(t, r, clock)
	second := reserve(t, r, clock)
	if err := first.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := get().Failures; n != 2 {
		t.Fatalf("released under a later reservation: failures %d, want 2", n)
	}
	if err := second.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := get().Failures; n != 1 {
		t.Fatalf("failures %d, want 1: the first stays counted", n)
	}
}

// TestRegulatorLockWins: a right answer settled after the account locked
// (by the Limit-th failure of another attempt, or by an administrator)
// is refused and unlocks nothing.
func TestRegulatorLockWins(t *testing.T) {
	ctx := context.Background()
	r, clock, get := newRegulator(t, mfa.LockoutConfig{Limit: 3, DelayFrom: 3})
	right := reserve(t, r, clock)
	second, third := reserve(t, r, clock), reserve(t, r, clock)
	if locked, _ := second.Failed(ctx); locked {
		t.Fatal("locked at the second failure of three")
	}
	if locked, err := third.Failed(ctx); err != nil || !locked {
		t.Fatalf("the Limit-th failure: locked %v, %v", locked, err)
	}
	if err := right.Succeeded(ctx); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Succeeded after the lock: %v, want ErrLocked", err)
	}
	if err := right.Release(ctx); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Release after the lock: %v, want ErrLocked", err)
	}
	if a := get(); !a.Locked || a.Failures != 3 {
		t.Fatalf("the lock must stay: locked %v, failures %d", a.Locked, a.Failures)
	}
}

func TestRegulatorAdminLockWins(t *testing.T) {
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, acct)
	r := mfa.NewRegulator(st, mfa.LockoutConfig{}, clock.Now)
	att := reserve(t, r, clock)
	err := st.UpdateAccount(context.Background(), acct, func(a store.Account) (store.Account, error) {
		a.Locked = true
		return a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := att.Succeeded(context.Background()); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Succeeded after an administrator's lock: %v, want ErrLocked", err)
	}
}

// TestRegulatorResetMeanwhile: a failure whose count a right answer reset
// in the meantime is not the Limit-th consecutive one and locks nothing.
func TestRegulatorResetMeanwhile(t *testing.T) {
	ctx := context.Background()
	r, clock, get := newRegulator(t, mfa.LockoutConfig{Limit: 2, DelayFrom: 2})
	right, last := reserve(t, r, clock), reserve(t, r, clock)
	if err := right.Succeeded(ctx); err != nil {
		t.Fatal(err)
	}
	if locked, err := last.Failed(ctx); err != nil || locked {
		t.Fatalf("Failed after a reset: locked %v, %v", locked, err)
	}
	if a := get(); a.Locked {
		t.Error("locked after a reset")
	}
}

func TestRegulatorUnknownAccount(t *testing.T) {
	r, _, _ := newRegulator(t, mfa.LockoutConfig{})
	_, err := r.Reserve(context.Background(), "nobody")
	if err == nil || errors.Is(err, mfa.ErrLocked) || errors.Is(err, mfa.ErrDelayed) {
		t.Errorf("Reserve of an unknown account: %v, want a store error", err)
	}
}

// countingStore counts committed account writes on a real store.
type countingStore struct {
	store.Store
	commits atomic.Int32
}

func (s *countingStore) UpdateAccount(ctx context.Context, id string, fn func(store.Account) (store.Account, error)) error {
	err := s.Store.UpdateAccount(ctx, id, fn)
	if err == nil {
		s.commits.Add(1)
	}
	return err
}

// TestRegulatorWrites measures the durable writes each outcome costs (the
// figures the package doc gives).
func TestRegulatorWrites(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		cfg    mfa.LockoutConfig
		before int // wrong attempts first, not measured
		settle func(*mfa.Attempt) error
		want   int32
	}{
		{"right second factor", mfa.LockoutConfig{}, 0, func(a *mfa.Attempt) error { return a.Succeeded(ctx) }, 2},
		{"right second factor after failures", mfa.LockoutConfig{}, 3, func(a *mfa.Attempt) error { return a.Succeeded(ctx) }, 2},
		{"right password", mfa.LockoutConfig{}, 0, func(a *mfa.Attempt) error { return a.Release(ctx) }, 2},
		{"wrong answer", mfa.LockoutConfig{}, 0, func(a *mfa.Attempt) error { _, err := a.Failed(ctx); return err }, 1},
		{"wrong answer that locks", mfa.LockoutConfig{Limit: 3}, 2, func(a *mfa.Attempt) error { _, err := a.Failed(ctx); return err }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := mfatest.NewClock()
			st := &countingStore{Store: mfatest.Store(t, clock.Now)}
			mfatest.Account(t, st, acct)
			r := mfa.NewRegulator(st, tc.cfg, clock.Now)
			wrong(t, r, clock, tc.before)
			st.commits.Store(0)
			if err := tc.settle(reserve(t, r, clock)); err != nil {
				t.Fatal(err)
			}
			if n := st.commits.Load(); n != tc.want {
				t.Errorf("%d account writes, want %d", n, tc.want)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		clock := mfatest.NewClock()
		st := &countingStore{Store: mfatest.Store(t, clock.Now)}
		mfatest.Account(t, st, acct)
		r := mfa.NewRegulator(st, mfa.LockoutConfig{DelayFrom: 1}, clock.Now)
		wrong(t, r, clock, 1)
		st.commits.Store(0)
		if _, err := r.Reserve(ctx, acct); !errors.Is(err, mfa.ErrDelayed) {
			t.Fatalf("Reserve during the delay: %v", err)
		}
		if n := st.commits.Load(); n != 0 {
			t.Errorf("a refused reservation wrote %d times", n)
		}
	})
}

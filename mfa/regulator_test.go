package mfa_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/internal/mfatest"
	"github.com/passerelle/passerelle/store"
)

func newRegulator(t *testing.T, cfg mfa.LockoutConfig) (*mfa.Regulator, *mfatest.Clock, func() int) {
	t.Helper()
	clock := mfatest.NewClock()
	st := mfatest.Store(t, clock.Now)
	mfatest.Account(t, st, "acct-1")
	failures := func() int {
		a, err := st.GetAccount(context.Background(), "acct-1")
		if err != nil {
			t.Fatal(err)
		}
		return a.Failures
	}
	return mfa.NewRegulator(st, cfg, clock.Now), clock, failures
}

func fail(t *testing.T, r *mfa.Regulator, n int) (locked bool) {
	t.Helper()
	for range n {
		var err error
		if locked, err = r.Fail(context.Background(), "acct-1"); err != nil {
			t.Fatalf("Fail: %v", err)
		}
	}
	return locked
}

func check(t *testing.T, r *mfa.Regulator) time.Duration {
	t.Helper()
	wait, err := r.Check(context.Background(), "acct-1")
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return wait
}

func TestRegulatorDelayGrowsAndCaps(t *testing.T) {
	r, clock, _ := newRegulator(t, mfa.LockoutConfig{})
	fail(t, r, 4)
	if w := check(t, r); w != 0 {
		t.Fatalf("after 4 failures: wait %v, want none", w)
	}
	// 5th failure: 1s; then 2s, 4s, 8s, 16s, 30s (capped), 30s.
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		fail(t, r, 1)
		if w := check(t, r); w != want*time.Second {
			t.Fatalf("after failure %d: wait %v, want %v", 5+i, w, want*time.Second)
		}
	}
	clock.Advance(29 * time.Second)
	if w := check(t, r); w != time.Second {
		t.Errorf("29s later: wait %v, want 1s", w)
	}
	clock.Advance(time.Second)
	if w := check(t, r); w != 0 {
		t.Errorf("30s later: wait %v, want none", w)
	}
}

func TestRegulatorLocksAtLimit(t *testing.T) {
	r, clock, _ := newRegulator(t, mfa.LockoutConfig{Limit: 10})
	if fail(t, r, 9) {
		t.Fatal("locked before the limit")
	}
	if !fail(t, r, 1) {
		t.Fatal("not locked at the limit")
	}
	clock.Advance(24 * time.Hour)
	if _, err := r.Check(context.Background(), "acct-1"); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Check on a locked account: %v, want ErrLocked", err)
	}
	if err := r.Succeed(context.Background(), "acct-1"); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("Succeed on a locked account: %v, want ErrLocked", err)
	}
	if err := r.Unlock(context.Background(), "acct-1"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if w := check(t, r); w != 0 {
		t.Errorf("after Unlock: wait %v, want none", w)
	}
	if fail(t, r, 4) {
		t.Error("the count did not restart after Unlock")
	}
}

func TestRegulatorDefaultLimitIs100(t *testing.T) {
	r, _, failures := newRegulator(t, mfa.LockoutConfig{})
	if fail(t, r, 99) {
		t.Fatal("locked before 100")
	}
	if !fail(t, r, 1) || failures() != 100 {
		t.Fatalf("not locked at 100 (failures %d)", failures())
	}
}

func TestRegulatorSucceedResets(t *testing.T) {
	r, _, failures := newRegulator(t, mfa.LockoutConfig{})
	fail(t, r, 6)
	if err := r.Succeed(context.Background(), "acct-1"); err != nil {
		t.Fatal(err)
	}
	if n := failures(); n != 0 {
		t.Fatalf("failures after Succeed: %d", n)
	}
	if w := check(t, r); w != 0 {
		t.Errorf("wait after Succeed: %v", w)
	}
	if err := r.Succeed(context.Background(), "acct-1"); err != nil {
		t.Errorf("Succeed with no failures: %v", err)
	}
}

func TestRegulatorUnknownAccount(t *testing.T) {
	r, _, _ := newRegulator(t, mfa.LockoutConfig{})
	if _, err := r.Check(context.Background(), "nobody"); err == nil {
		t.Error("Check of an unknown account succeeded")
	}
	if _, err := r.Fail(context.Background(), "nobody"); err == nil {
		t.Error("Fail of an unknown account succeeded")
	}
}

func TestRegulatorConcurrentFailures(t *testing.T) {
	r, _, failures := newRegulator(t, mfa.LockoutConfig{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := r.Fail(context.Background(), "acct-1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := failures(); n != 20 {
		t.Errorf("failures = %d, want 20", n)
	}
}

// countingStore counts account writes on a real store.
type countingStore struct {
	store.Store
	updates atomic.Int32
}

func (s *countingStore) UpdateAccount(ctx context.Context, id string, fn func(store.Account) (store.Account, error)) error {
	s.updates.Add(1)
	return s.Store.UpdateAccount(ctx, id, fn)
}

func TestRegulatorSucceedWritesOnlyAfterFailures(t *testing.T) {
	clock := mfatest.NewClock()
	st := &countingStore{Store: mfatest.Store(t, clock.Now)}
	mfatest.Account(t, st, "acct-1")
	r := mfa.NewRegulator(st, mfa.LockoutConfig{}, clock.Now)
	ctx := context.Background()
	if err := r.Succeed(ctx, "acct-1"); err != nil {
		t.Fatal(err)
	}
	if n := st.updates.Load(); n != 0 {
		t.Fatalf("Succeed with no failure wrote %d times", n)
	}
	if _, err := r.Fail(ctx, "acct-1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Succeed(ctx, "acct-1"); err != nil {
		t.Fatal(err)
	}
	if n := st.updates.Load(); n != 2 {
		t.Fatalf("Fail then Succeed wrote %d times, want 2", n)
	}
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// UpdateAccountFactor: an account and one of its factors updated in one
// transaction, both records or neither.

// accountWithFactors stores acct-1 with a TOTP factor f-1, and acct-2
// with a TOTP factor f-2, and returns them.
func accountWithFactors(t *testing.T, s store.Store) (store.Account, store.Factor) {
	t.Helper()
	ctx := t.Context()
	for _, id := range []string{"1", "2"} {
		must(t, s.CreateAccount(ctx, account("acct-"+id), link("gckey", "s"+id, "acct-"+id)), "CreateAccount "+id)
		must(t, s.CreateFactor(ctx, factor("f-"+id, "acct-"+id, store.FactorTOTP, epoch)), "CreateFactor "+id)
	}
	return account("acct-1"), factor("f-1", "acct-1", store.FactorTOTP, epoch)
}

// unchanged checks that acct-1 and f-1 are still a and f.
func unchanged(t *testing.T, s store.Store, a store.Account, f store.Factor, what string) {
	t.Helper()
	gotA, err := s.GetAccount(t.Context(), a.ID)
	must(t, err, what+": GetAccount")
	same(t, gotA, a, what+": account")
	gotF, err := s.GetFactor(t.Context(), f.ID)
	must(t, err, what+": GetFactor")
	same(t, gotF, f, what+": factor")
}

// testUpdateAccountFactor: both records written together; a missing
// account or factor, another account's factor, fn's error and a change
// of what identifies or indexes either record write nothing, and the
// first three never call fn.
func testUpdateAccountFactor(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a, f := accountWithFactors(t, s)

	must(t, s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(x store.Account, y store.Factor) (store.Account, store.Factor, error) {
		same(t, x, a, "account given to fn")
		same(t, y, f, "factor given to fn")
		x.Failures, x.LastFailureAt, x.Locked = 3, epoch.Add(time.Minute), true
		y.LastStep, y.LastUsedAt = y.LastStep+1, epoch.Add(time.Minute)
		return x, y, nil
	}), "UpdateAccountFactor")
	a.Failures, a.LastFailureAt, a.Locked = 3, epoch.Add(time.Minute), true
	f.LastStep, f.LastUsedAt = f.LastStep+1, epoch.Add(time.Minute)
	unchanged(t, s, a, f, "after the update")
	list, err := s.ListFactors(ctx, "acct-1")
	must(t, err, "ListFactors")
	same(t, list, []store.Factor{f}, "ListFactors after the update")

	for _, tc := range []struct {
		name, account, factor string
	}{
		{"missing account", "acct-9", "f-1"},
		{"missing factor", "acct-1", "f-9"},
		{"another account's factor", "acct-1", "f-2"},
	} {
		called := false
		err := s.UpdateAccountFactor(ctx, tc.account, tc.factor, func(x store.Account, y store.Factor) (store.Account, store.Factor, error) {
			called = true
			x.Failures, y.LastStep = 0, 0
			return x, y, nil
		})
		wantErr(t, err, store.ErrNotFound, "UpdateAccountFactor, "+tc.name)
		if called {
			t.Errorf("UpdateAccountFactor, %s: fn was called", tc.name)
		}
	}
	unchanged(t, s, a, f, "after the refused updates")
	other, err := s.GetFactor(ctx, "f-2")
	must(t, err, "GetFactor f-2")
	same(t, other, factor("f-2", "acct-2", store.FactorTOTP, epoch), "another account's factor")

	wantErr(t, s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(x store.Account, y store.Factor) (store.Account, store.Factor, error) {
		x.Failures, y.LastStep = 0, 0
		return x, y, errRefused
	}), errRefused, "UpdateAccountFactor refused by fn")
	unchanged(t, s, a, f, "after fn refused")

	for name, change := range map[string]func(*store.Account, *store.Factor){
		"account ID":           func(x *store.Account, _ *store.Factor) { x.ID = "acct-2" },
		"account URN":          func(x *store.Account, _ *store.Factor) { x.URN = "URN-new" },
		"factor ID":            func(_ *store.Account, y *store.Factor) { y.ID = "f-2" },
		"factor's account":     func(_ *store.Account, y *store.Factor) { y.AccountID = "acct-2" },
		"factor credential ID": func(_ *store.Account, y *store.Factor) { y.CredentialID = []byte("cred-new") },
		"factor creation time": func(_ *store.Account, y *store.Factor) { y.CreatedAt = epoch.Add(time.Hour) },
	} {
		wantErr(t, s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(x store.Account, y store.Factor) (store.Account, store.Factor, error) {
			x.Failures, y.LastStep = 0, 0
			change(&x, &y)
			return x, y, nil
		}), store.ErrConflict, "UpdateAccountFactor changing the "+name)
	}
	unchanged(t, s, a, f, "after the changes refused")
	_, err = s.GetAccountByURN(ctx, "URN-new")
	wantErr(t, err, store.ErrNotFound, "URN of a refused change")
	_, err = s.GetFactorByCredentialID(ctx, []byte("cred-new"))
	wantErr(t, err, store.ErrNotFound, "credential ID of a refused change")
}

// testAccountFactorUpdatesSerialise: racing updates of an account and
// its factor, together and one record at a time, each see what the
// previous wrote: none is lost, whether a backend locks the rows or
// compares and swaps, and the joint ones see both records as one
// (their own counts, kept in step, never drift apart).
func testAccountFactorUpdatesSerialise(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	_, f := accountWithFactors(t, s)
	errs := race(func(i int) error {
		switch i % 4 {
		case 0:
			return s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
				a.Failures++
				return a, nil
			})
		case 1:
			return s.UpdateFactor(ctx, "f-1", func(x store.Factor) (store.Factor, error) {
				x.LastStep++
				return x, nil
			})
		case 2:
			// Read first, as the second-factor step does: the update may
			// start from rows a racer has changed since.
			if _, _, _, err := s.GetLinkWithAccount(ctx, "gckey", "s1"); err != nil {
				return err
			}
		}
		return s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(a store.Account, x store.Factor) (store.Account, store.Factor, error) {
			// Only joint updates move these two times, one second each:
			// the factor's stays a minute after the account's.
			if gap := x.LastUsedAt.Sub(a.LastLoginAt); gap != time.Minute {
				return a, x, fmt.Errorf("joint update saw the records %v apart, want %v", gap, time.Minute)
			}
			a.Failures++
			a.LastLoginAt = a.LastLoginAt.Add(time.Second)
			x.LastStep++
			x.LastUsedAt = x.LastUsedAt.Add(time.Second)
			return a, x, nil
		})
	})
	for i, err := range errs {
		must(t, err, fmt.Sprintf("update %d", i))
	}
	a, err := s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount")
	got, err := s.GetFactor(ctx, "f-1")
	must(t, err, "GetFactor")
	joint := racers / 2
	want := racers/4 + joint
	if a.Failures != want || got.LastStep != f.LastStep+int64(want) || !a.LastLoginAt.Equal(epoch.Add(time.Duration(joint)*time.Second)) ||
		!got.LastUsedAt.Equal(f.LastUsedAt.Add(time.Duration(joint)*time.Second)) {
		t.Errorf("after %d racing updates: failures %d, last step +%d, times %v and %v; want %d, +%d, %d joint seconds on each",
			racers, a.Failures, got.LastStep-f.LastStep, a.LastLoginAt, got.LastUsedAt, want, want, joint)
	}
}

// testAccountFactorUseOnce: one step accepted by many joint updates at
// once (a code posted many times) is taken by exactly one; the others
// see it taken and write nothing.
func testAccountFactorUseOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	_, f := accountWithFactors(t, s)
	step := f.LastStep + 1
	errs := race(func(int) error {
		return s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(a store.Account, x store.Factor) (store.Account, store.Factor, error) {
			if x.LastStep >= step {
				return a, x, errRefused
			}
			a.Failures++
			x.LastStep = step
			return a, x, nil
		})
	})
	oneWinner(t, errs, errRefused)
	a, err := s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount")
	if a.Failures != 1 {
		t.Errorf("account written %d times by the winner and the losers, want once", a.Failures)
	}
}

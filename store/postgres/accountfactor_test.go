package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestAccountFactorSwap: UpdateAccountFactor is two statements and one
// durable write; when another write changes either record between its
// read and its write, it writes neither, runs fn again on what the other
// wrote, and both records keep both changes.
func TestAccountFactorSwap(t *testing.T) {
	s := accountWithFactor(t)
	ctx := t.Context()
	count := func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
		a.Failures++
		f.LastStep++
		return a, f, nil
	}
	checkCosts(t, s, "UpdateAccountFactor", 2, 1, func() error { return s.UpdateAccountFactor(ctx, "acct-1", "f-1", count) })

	for _, meddle := range []struct {
		name  string
		write func() error
	}{
		{"the factor", func() error {
			return s.UpdateFactor(ctx, "f-1", func(f store.Factor) (store.Factor, error) { f.SignCount++; return f, nil })
		}},
		{"the account", func() error {
			return s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) { a.Email = "alex@example.org"; return a, nil })
		}},
	} {
		runs := 0
		err := s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
			runs++
			if runs == 1 {
				if err := meddle.write(); err != nil {
					t.Fatalf("write %s meanwhile: %v", meddle.name, err)
				}
			}
			return count(a, f)
		})
		if err != nil || runs != 2 {
			t.Fatalf("UpdateAccountFactor with %s written meanwhile: %v after %d runs of fn, want 2", meddle.name, err, runs)
		}
	}
	a, err := s.GetAccount(ctx, "acct-1")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.GetFactor(ctx, "f-1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Failures != 3 || f.LastStep != 3 || f.SignCount != 1 || a.Email != "alex@example.org" {
		t.Errorf("after three updates and two meddling writes: failures %d, last step %d, sign count %d, email %q; want 3, 3, 1 and the email",
			a.Failures, f.LastStep, f.SignCount, a.Email)
	}
}

// TestReadsWithAccountCost: the callback's read and the second-factor
// page's are one statement each, and the page's update of the auth
// request after it one more (TestAccountFactorAfterRead: the answer's
// swap).
func TestReadsWithAccountCost(t *testing.T) {
	s := accountWithFactor(t)
	ctx := t.Context()
	checkCosts(t, s, "GetLinkWithAccount", 1, 0, func() error {
		l, a, fs, err := s.GetLinkWithAccount(ctx, "up", "alex")
		if err == nil && (l.AccountID != "acct-1" || a.ID != "acct-1" || len(fs) != 1) {
			t.Errorf("GetLinkWithAccount: link to %q, account %q, %d factors; want acct-1 twice and 1", l.AccountID, a.ID, len(fs))
		}
		return err
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-1", AccountID: "acct-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	checkCosts(t, s, "GetAuthRequestWithAccount", 1, 0, func() error {
		ar, a, fs, err := s.GetAuthRequestWithAccount(ctx, "ar-1")
		if err == nil && (ar.ID != "ar-1" || a.ID != "acct-1" || len(fs) != 1) {
			t.Errorf("GetAuthRequestWithAccount: request %q, account %q, %d factors; want ar-1, acct-1, 1", ar.ID, a.ID, len(fs))
		}
		return err
	})
	checkCosts(t, s, "UpdateAuthRequest after GetAuthRequestWithAccount", 1, 0, func() error {
		return s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
			r.Done = true
			return r, nil
		})
	})
}

// TestAccountFactorSwapFactorGone: the factor is deleted (an
// administrator's reset) between UpdateAccountFactor's read and its
// write: the statement writes the account's half alone, which undoes it,
// and the next read finds the factor gone: ErrNotFound, fn not run again,
// the account as it was.
func TestAccountFactorSwapFactorGone(t *testing.T) {
	s := accountWithFactor(t)
	ctx := t.Context()
	runs := 0
	err := s.UpdateAccountFactor(ctx, "acct-1", "f-1", func(a store.Account, f store.Factor) (store.Account, store.Factor, error) {
		runs++
		if err := s.DeleteFactor(ctx, "f-1"); err != nil {
			t.Fatalf("delete the factor meanwhile: %v", err)
		}
		a.Failures++
		f.LastStep++
		return a, f, nil
	})
	if !errors.Is(err, store.ErrNotFound) || runs != 1 {
		t.Fatalf("UpdateAccountFactor with the factor deleted meanwhile: %v after %d runs of fn, want ErrNotFound after 1", err, runs)
	}
	if a, err := s.GetAccount(ctx, "acct-1"); err != nil || a.Failures != 0 {
		t.Errorf("the account after the refused update: %+v, %v; want it unwritten", a, err)
	}
}

// accountWithFactor is a store over a fresh database holding acct-1 and
// its factor f-1.
func accountWithFactor(t *testing.T) *Store {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, now)
	ctx := t.Context()
	if err := s.CreateAccount(ctx, store.Account{ID: "acct-1", URN: "urn-1"}, store.Link{Provider: "up", Subject: "alex"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFactor(ctx, store.Factor{ID: "f-1", AccountID: "acct-1", Kind: "totp", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return s
}

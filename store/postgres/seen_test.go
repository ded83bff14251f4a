package postgres

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
)

// TestUpdateAfterRead: an update that follows a read of the same auth
// request or grant (found by its refresh hash) is one statement, the
// swap from the row read; when another replica wrote the row between
// the two, the update's fn runs again on that write, so nothing is lost;
// a row remembered past its expiry is missing, as without the memory.
func TestUpdateAfterRead(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := now
	a, b := replicas(t, &clock)
	ctx := t.Context()
	step := func(s *Store, name string) func() error {
		return func() error {
			return s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
				r.AMR = append(r.AMR, name)
				return r, nil
			})
		}
	}
	if err := a.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-1", ClientID: "portal", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	read := func() error { _, err := a.GetAuthRequest(ctx, "ar-1"); return err }
	checkCosts(t, a, "GetAuthRequest", 1, 0, read)
	checkCosts(t, a, "UpdateAuthRequest after GetAuthRequest", 1, 0, step(a, "a1"))
	checkCosts(t, a, "UpdateAuthRequest alone", 2, 0, step(a, "a2"))

	// b writes between a's read and a's update: a's swap from its read
	// finds the row changed (one statement), reads it again and writes.
	checkCosts(t, a, "GetAuthRequest", 1, 0, read)
	if err := step(b, "b")(); err != nil {
		t.Fatal(err)
	}
	checkCosts(t, a, "UpdateAuthRequest after another replica's write", 3, 0, step(a, "a3"))
	r, err := b.GetAuthRequest(ctx, "ar-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a1", "a2", "b", "a3"}; !slices.Equal(r.AMR, want) {
		t.Errorf("AMR = %v, want %v (a write lost)", r.AMR, want)
	}

	// Remembered, then expired: missing, and nothing written.
	if err := read(); err != nil {
		t.Fatal(err)
	}
	clock = now.Add(2 * time.Minute)
	if err := step(a, "late")(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of an auth request expired since it was read: %v, want ErrNotFound", err)
	}
	clock = now

	// A refresh: the grant found by its hash, then rotated, is two
	// statements; rotated meanwhile by b, a's fn sees b's hash.
	g := store.Grant{ID: "g-1", AccountID: "acct-1", ClientID: "portal", RefreshHash: store.HashToken("rt-0"), ExpiresAt: now.Add(time.Hour)}
	if err := a.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	rotate := func(s *Store, from, to string) error {
		return s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
			if string(g.RefreshHash) != string(store.HashToken(from)) {
				return g, fmt.Errorf("rotated meanwhile")
			}
			g.RefreshHash = store.HashToken(to)
			return g, nil
		})
	}
	checkCosts(t, a, "a refresh", 2, 1, func() error {
		if _, err := a.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-0")); err != nil {
			return err
		}
		return rotate(a, "rt-0", "rt-1")
	})
	if _, err := a.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-1")); err != nil {
		t.Fatal(err)
	}
	if err := rotate(b, "rt-1", "rt-2"); err != nil {
		t.Fatal(err)
	}
	if err := rotate(a, "rt-1", "rt-3"); err == nil || err.Error() != "rotated meanwhile" {
		t.Errorf("rotating a grant another replica rotated since it was read: %v, want fn's refusal on the fresh row", err)
	}
}

// TestSeenBounded: the rows remembered stay within maxSeen.
func TestSeenBounded(t *testing.T) {
	var r seenRows
	for i := range maxSeen + 10 {
		r.put("auth_requests", fmt.Sprint("ar-", i), seen{})
	}
	if len(r.rows) != maxSeen {
		t.Errorf("%d rows remembered, want %d", len(r.rows), maxSeen)
	}
	if _, ok := r.take("auth_requests", fmt.Sprint("ar-", maxSeen+9), time.Now()); !ok {
		t.Error("the newest row was not remembered")
	}
}

// TestAccountFactorAfterRead: the TOTP answer's UpdateAccountFactor after
// the account and its factors were read (GetAuthRequestWithAccount,
// GetLinkWithAccount, or GetAccount and ListFactors) is one statement,
// the swap from the two rows read; a factor and an account another
// replica wrote meanwhile are read again, and fn's final run sees those
// writes.
func TestAccountFactorAfterRead(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := replicas(t, &now)
	ctx := t.Context()
	reads := map[string]func(id string) error{
		"GetAuthRequestWithAccount": func(id string) error {
			_, _, _, err := a.GetAuthRequestWithAccount(ctx, "ar-"+id)
			return err
		},
		"GetLinkWithAccount": func(id string) error {
			_, _, _, err := a.GetLinkWithAccount(ctx, "gckey", id)
			return err
		},
		"GetAccount and ListFactors": func(id string) error {
			if _, err := a.GetAccount(ctx, id); err != nil {
				return err
			}
			_, err := a.ListFactors(ctx, id)
			return err
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			acct, fid := "acct-"+name, "f-"+name
			if err := a.CreateAccount(ctx, store.Account{ID: acct, URN: "URN-" + name, CreatedAt: now},
				store.Link{Provider: "gckey", Subject: acct, AccountID: acct, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := a.CreateFactor(ctx, store.Factor{ID: fid, AccountID: acct, Kind: store.FactorTOTP, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := a.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-" + acct, AccountID: acct, CreatedAt: now,
				ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			answer := func(step int64) func() error {
				return func() error {
					return a.UpdateAccountFactor(ctx, acct, fid, func(acc store.Account, f store.Factor) (store.Account, store.Factor, error) {
						if f.LastStep >= step {
							return acc, f, fmt.Errorf("step %d already used (last %d)", step, f.LastStep)
						}
						acc.Failures, f.LastStep = acc.Failures+1, step
						return acc, f, nil
					})
				}
			}
			if err := read(acct); err != nil {
				t.Fatal(err)
			}
			checkCosts(t, a, "UpdateAccountFactor after "+name, 1, 1, answer(1))
			if err := read(acct); err != nil {
				t.Fatal(err)
			}
			if err := b.UpdateFactor(ctx, fid, func(f store.Factor) (store.Factor, error) {
				f.LastStep = 5
				return f, nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := b.UpdateAccount(ctx, acct, func(x store.Account) (store.Account, error) {
				x.Failures = 4
				return x, nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := answer(3)(); err == nil {
				t.Error("a step older than the one another replica recorded since the read was accepted")
			}
			checkCosts(t, a, "UpdateAccountFactor alone", 2, 1, answer(6))
			if got, err := b.GetAccount(ctx, acct); err != nil || got.Failures != 5 {
				t.Errorf("failures %d, %v; want the other replica's 4 and the last answer's 1", got.Failures, err)
			}
		})
	}
}

// replicas opens two stores on one fresh schema, as two replicas, on the
// clock *now.
func replicas(t *testing.T, now *time.Time) (a, b *Store) {
	t.Helper()
	dsn := pgtest.Schema(t)
	open := func() *Store {
		s, err := Open(t.Context(), dsn, Options{Now: func() time.Time { return *now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return open(), open()
}

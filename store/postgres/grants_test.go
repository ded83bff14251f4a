package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
)

// TestGrantRoundTrips: a grant's creation with its refresh hash is one
// statement, a refresh (rotation) two, the grant's read and then one
// statement writing the grant, indexing the new hash and retiring the
// old; each write is one durable commit, and a read none. A grant's read
// with its account (introspection) is one statement.
func TestGrantRoundTrips(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, now)
	ctx := t.Context()
	g := store.Grant{ID: "g-1", AccountID: "acct-1", ClientID: "portal", RefreshHash: store.HashToken("rt-0"), ExpiresAt: now.Add(time.Hour)}
	checkCosts(t, s, "CreateGrant", 1, 1, func() error { return s.CreateGrant(ctx, g) })
	checkCosts(t, s, "UpdateGrant rotating the refresh token", 2, 1, func() error {
		return s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = store.HashToken("rt-1")
			return g, nil
		})
	})
	checkCosts(t, s, "GetGrantByRefreshHash", 1, 0, func() error {
		_, err := s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-0"))
		return err
	})
	checkCosts(t, s, "GetGrantByLegacyRefreshHash", 1, 0, func() error {
		g, err := s.GetGrantByLegacyRefreshHash(ctx, store.HashToken("rt-0"))
		if err == nil && g.ID != "g-1" {
			err = fmt.Errorf("a legacy token's hash resolves to grant %q", g.ID)
		}
		return err
	})
	a := store.Account{ID: "acct-1", URN: "URN-1"}
	if err := s.CreateAccount(ctx, a, store.Link{Provider: "gckey", Subject: "s-1", AccountID: a.ID}); err != nil {
		t.Fatal(err)
	}
	checkCosts(t, s, "GetGrantWithAccount", 1, 0, func() error {
		_, _, err := s.GetGrantWithAccount(ctx, "g-1")
		return err
	})
	var retired *time.Time
	if err := s.pool.QueryRow(ctx, "SELECT retired_at FROM refresh_hashes WHERE hash = $1", store.HashToken("rt-0")).Scan(&retired); err != nil {
		t.Fatal(err)
	}
	if retired == nil || !retired.Equal(now) {
		t.Errorf("the rotated-away hash's retired_at = %v, want %v", retired, now)
	}
}

// openAt opens a store in a fresh schema on a clock stopped at now.
func openAt(t *testing.T, now time.Time) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkCosts runs op and fails unless it sent statements statements,
// durable writes among them.
func checkCosts(t *testing.T, s *Store, what string, statements, writes int64, op func() error) {
	t.Helper()
	s0, w0 := s.Statements(), s.Writes()
	if err := op(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if ds, dw := s.Statements()-s0, s.Writes()-w0; ds != statements || dw != writes {
		t.Errorf("%s: %d statements, %d durable writes; want %d and %d", what, ds, dw, statements, writes)
	}
}

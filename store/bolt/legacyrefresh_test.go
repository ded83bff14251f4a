package bolt

import (
	"errors"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestLegacyRefreshIndex: idx_grant_by_refresh holds only what an earlier
// version wrote there (the hash of a token that did not name its grant):
// GetGrantByLegacyRefreshHash finds the grant by it, no write adds to
// it, and the retention sweep and a swept grant take their entries
// away.
func TestLegacyRefreshIndex(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := now
	s := openTest(t, Options{Now: func() time.Time { return clock }, Retention: store.Retention{RefreshHistory: time.Hour}})
	ctx := t.Context()
	legacy := store.HashToken("bare-secret")
	for _, g := range []store.Grant{
		{ID: "g-old", AccountID: "a", RefreshHash: legacy, CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)},
		{ID: "g-short", AccountID: "a", RefreshHash: store.HashToken("bare-short"), CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
	} {
		if err := s.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if n := countKeys(t, s, indexGrantByRefresh); n != 0 {
		t.Fatalf("CreateGrant indexed %d hashes by themselves, want none", n)
	}
	// What a file written before refresh tokens named their grant holds.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(indexGrantByRefresh).Put(legacy, []byte("g-old")); err != nil {
			return err
		}
		return tx.Bucket(indexGrantByRefresh).Put(store.HashToken("bare-short"), []byte("g-short"))
	}); err != nil {
		t.Fatal(err)
	}

	g, err := s.GetGrantByLegacyRefreshHash(ctx, legacy)
	if err != nil || g.ID != "g-old" {
		t.Fatalf("a legacy hash: grant %q, %v; want g-old", g.ID, err)
	}
	if err := s.UpdateGrant(ctx, "g-old", func(g store.Grant) (store.Grant, error) {
		g.RefreshHash = store.HashToken("g-old.named")
		return g, nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, s, indexGrantByRefresh); n != 2 {
		t.Errorf("after a rotation idx_grant_by_refresh holds %d entries, want the 2 legacy ones", n)
	}
	if g, err := s.GetGrantByLegacyRefreshHash(ctx, legacy); err != nil || g.ID != "g-old" {
		t.Errorf("the legacy hash rotated away: grant %q, %v; want g-old (reuse is recognised)", g.ID, err)
	}
	if _, err := s.GetGrantByLegacyRefreshHash(ctx, store.HashToken("g-old.named")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a named token's hash by itself: %v, want ErrNotFound", err)
	}

	clock = now.Add(2 * time.Hour) // g-short expired; the legacy hash rotated away over an hour ago
	if _, err := s.Sweep(ctx, clock); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, s, indexGrantByRefresh); n != 0 {
		t.Errorf("after Sweep idx_grant_by_refresh holds %d entries, want none", n)
	}
	if _, err := s.GetGrantByLegacyRefreshHash(ctx, legacy); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the legacy hash after its retention: %v, want ErrNotFound", err)
	}
	if _, err := s.GetGrantByRefreshHash(ctx, "g-old", store.HashToken("g-old.named")); err != nil {
		t.Errorf("the current hash after Sweep: %v", err)
	}
}

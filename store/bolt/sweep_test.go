package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// countKeys returns how many keys a bucket holds.
func countKeys(t *testing.T, s *Store, bucket []byte) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpgradeIndexesExpiries: a version-1 file (no idx_expiry) opened by
// this version gets an entry for every record Sweep may delete, so the
// first Sweep after the upgrade deletes what expired before it.
func TestUpgradeIndexesExpiries(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	exp := now.Add(time.Minute)
	for _, err := range []error{
		s.CreateGrant(ctx, store.Grant{ID: "g", AccountID: "a", RefreshHash: store.HashToken("r0"), ExpiresAt: exp}),
		s.CreateSession(ctx, store.Session{Hash: store.HashToken("c"), AccountID: "a", ExpiresAt: exp}),
		s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar", ExpiresAt: exp}),
		s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-live", ExpiresAt: now.Add(2 * time.Hour)}),
		s.CreateSigningKey(ctx, store.SigningKey{ID: "k", ExpiresAt: exp}),
		s.CreateSigningKey(ctx, store.SigningKey{ID: "k-forever"}),
		s.CreateClient(ctx, store.Client{ID: "c"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Make it a version-1 file: no idx_expiry.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(indexExpiry); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("Open a version-1 file: %v", err)
	}
	defer s.Close()
	if got := countKeys(t, s, indexExpiry); got != 5 {
		t.Errorf("idx_expiry after the upgrade holds %d entries, want 5", got)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		if v := string(tx.Bucket(bucketMeta).Get(keySchemaVersion)); v != fmt.Sprint(SchemaVersion) {
			t.Errorf("schema version after the upgrade = %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(ctx, now.Add(time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("Sweep after the upgrade = %d, %v; want 4", n, err)
	}
	if got := countKeys(t, s, indexExpiry); got != 1 {
		t.Errorf("idx_expiry after Sweep holds %d entries, want 1 (the live auth request)", got)
	}
}

// TestSweepBatches: a sweep of more than SweepBatch records commits in
// several transactions, deletes them all and leaves the live ones; an
// updated expiry moves the record's entry (it is swept at its new time,
// not its old one).
func TestSweepBatches(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	const expired = 3*SweepBatch + 7
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for i := range expired {
			at := now.Add(time.Duration(i%97) * time.Second)
			if err := save(tx, authRequests, store.AuthRequest{ID: fmt.Sprintf("ar-%d", i), ExpiresAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateAuthRequest(ctx, store.AuthRequest{ID: "extended", ExpiresAt: now.Add(time.Second)}))
	must(s.UpdateAuthRequest(ctx, "extended", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.ExpiresAt = now.Add(3 * time.Hour)
		return r, nil
	}))
	// One batch deletes at most SweepBatch keys: a record and its
	// idx_expiry entry each.
	n, more, err := s.sweepBatch(ctx, now.Add(time.Hour), SweepBatch)
	if err != nil || n != SweepBatch/2 || !more {
		t.Fatalf("one batch = %d, %v, %v; want %d, more", n, more, err, SweepBatch/2)
	}
	rest, err := s.Sweep(ctx, now.Add(time.Hour))
	if err != nil || n+rest != expired {
		t.Fatalf("Sweep = %d, %v; want %d", rest, err, expired-n)
	}
	if got := countKeys(t, s, bucketAuthReqs); got != 1 {
		t.Errorf("%d auth requests left, want 1", got)
	}
	if got := countKeys(t, s, indexExpiry); got != 1 {
		t.Errorf("%d idx_expiry entries left, want 1", got)
	}
	if _, err := s.GetAuthRequest(ctx, "extended"); err != nil {
		t.Errorf("the extended auth request: %v", err)
	}
}

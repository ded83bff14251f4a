package bolt

import (
	"encoding/json"
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
		// Auth requests were kept in the file before they moved to memory.
		s.db.Update(func(tx *bbolt.Tx) error { return save(tx, authRequests, store.AuthRequest{ID: "ar", ExpiresAt: exp}) }),
		s.db.Update(func(tx *bbolt.Tx) error {
			return save(tx, authRequests, store.AuthRequest{ID: "ar-live", ExpiresAt: now.Add(2 * time.Hour)})
		}),
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
	extended := store.HashToken("extended")
	must(s.CreateSession(ctx, store.Session{Hash: extended, AccountID: "a", ExpiresAt: now.Add(time.Second)}))
	must(s.UpdateSession(ctx, extended, func(r store.Session) (store.Session, error) {
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
	if got := countKeys(t, s, bucketAuthReqs); got != 0 {
		t.Errorf("%d auth requests left, want 0", got)
	}
	if got := countKeys(t, s, indexExpiry); got != 1 {
		t.Errorf("%d idx_expiry entries left, want 1", got)
	}
	if _, err := s.GetSession(ctx, extended); err != nil {
		t.Errorf("the extended session: %v", err)
	}
}

// TestSweepReadsOnlyTheExpiryIndex: Sweep finds what to delete in
// idx_expiry alone. Every kind it sweeps holds, besides a few expired
// records listed there, records it must never read: a thousand values
// that are not even JSON (decoding one fails the sweep) and an expired
// record planted without an entry (a sweep that scanned the buckets would
// delete it). Sweep deletes exactly the listed ones and touches nothing
// else, so its work follows what expired, not what the store holds.
func TestSweepReadsOnlyTheExpiryIndex(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	past := now.Add(-time.Minute)
	planted := map[string][]byte{
		string(bucketAuthReqs):    mustJSON(t, store.AuthRequest{ID: "unlisted", ExpiresAt: past}),
		string(bucketSessions):    mustJSON(t, store.Session{Hash: []byte("unlisted"), ExpiresAt: past}),
		string(bucketGrants):      mustJSON(t, store.Grant{ID: "unlisted", ExpiresAt: past}),
		string(bucketSigningKeys): mustJSON(t, store.SigningKey{ID: "unlisted", ExpiresAt: past}),
		string(bucketOTPs):        mustJSON(t, store.OTP{ID: "unlisted", ExpiresAt: past}),
		string(bucketHits):        mustJSON(t, hitWindow{Key: "unlisted", ExpiresAt: past}),
		string(bucketLocalUsers):  mustJSON(t, store.LocalUser{ID: "unlisted", ExpiresAt: past}),
	}
	const garbage, listed = 1000, 10
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for bucket, raw := range planted {
			b := tx.Bucket([]byte(bucket))
			for i := range garbage {
				if err := b.Put(fmt.Appendf(nil, "garbage-%04d", i), []byte("not json {")); err != nil {
					return err
				}
			}
			if err := b.Put([]byte("unlisted"), raw); err != nil {
				return err
			}
		}
		for i := range listed {
			if err := save(tx, authRequests, store.AuthRequest{ID: fmt.Sprint("ar-", i), ExpiresAt: past}); err != nil {
				return err
			}
			if err := save(tx, grants, store.Grant{ID: fmt.Sprint("g-", i), ExpiresAt: past}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(ctx, now)
	if err != nil || n != 2*listed {
		t.Fatalf("Sweep = %d, %v; want %d (only the records idx_expiry lists)", n, err, 2*listed)
	}
	for bucket := range planted {
		if got := countKeys(t, s, []byte(bucket)); got != garbage+1 {
			t.Errorf("%s holds %d keys after Sweep, want the %d planted ones untouched", bucket, got, garbage+1)
		}
	}
	if got := countKeys(t, s, indexExpiry); got != 0 {
		t.Errorf("idx_expiry holds %d entries after Sweep, want 0", got)
	}
}

// mustJSON encodes v as the store does.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

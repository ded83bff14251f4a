package bolt

import (
	"maps"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestLocalUserIndexes looks inside the file: an expired registration
// replaced by a new one, an update moving both values, and a Sweep leave
// exactly the live users' entries behind.
func TestLocalUserIndexes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	pending := func(id, username, email string, ttl time.Duration) store.LocalUser {
		return store.LocalUser{ID: id, Username: username, Email: email, ExpiresAt: now.Add(ttl)}
	}
	for _, err := range []error{
		s.CreateLocalUser(ctx, pending("old", "sam", "old@example.ca", -time.Minute)),
		// Takes the expired user's username: its email entry must go too.
		s.CreateLocalUser(ctx, pending("new", "sam", "new@example.ca", time.Hour)),
		s.UpdateLocalUser(ctx, "new", func(u store.LocalUser) (store.LocalUser, error) {
			u.Username, u.Email = "samuel", "samuel@example.ca"
			return u, nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	entries := func(bucket []byte) map[string]string {
		out := map[string]string{}
		if err := s.db.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
				out[string(k)] = string(v)
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for bucket, want := range map[string]map[string]string{
		string(indexLocalUserByUsername): {"samuel": "new"},
		string(indexLocalUserByEmail):    {"samuel@example.ca": "new"},
	} {
		if got := entries([]byte(bucket)); !maps.Equal(got, want) {
			t.Errorf("bucket %s = %v, want %v", bucket, got, want)
		}
	}

	n, err := s.Sweep(ctx, now.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	for _, name := range [][]byte{bucketLocalUsers, indexLocalUserByUsername, indexLocalUserByEmail} {
		if got := entries(name); len(got) != 0 {
			t.Errorf("bucket %s still holds %v", name, got)
		}
	}
}

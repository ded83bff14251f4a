package bolt

import (
	"bytes"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestRotationLeavesGrantRecord: a rotation writes the grant's current
// refresh hash into idx_refresh_by_grant and leaves the grant's record
// as stored, yet every read (by ID, with the account, by hash, export)
// gives the new hash; an update that changes anything else, even through
// a slice it shares with the grant it was given, writes the record; a
// revocation keeps the current hash; Sweep removes the current entry
// with the rest.
func TestRotationLeavesGrantRecord(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	h0, h1, h2, h3 := store.HashToken("r0"), store.HashToken("r1"), store.HashToken("r2"), store.HashToken("r3")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateAccount(ctx, store.Account{ID: "a", URN: "urn:test:a", CreatedAt: now}, store.Link{Provider: "p", Subject: "s", AccountID: "a", CreatedAt: now}))
	must(s.CreateGrant(ctx, store.Grant{ID: "g", ClientID: "rp", AccountID: "a", Scopes: []string{"openid", "offline_access"},
		RefreshHash: h0, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	stored := rawGrant(t, s, "g")
	rotate := func(to []byte, also func(*store.Grant)) {
		t.Helper()
		must(s.UpdateGrant(ctx, "g", func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = to
			if also != nil {
				also(&g)
			}
			return g, nil
		}))
	}
	current := func(want []byte, scopes ...string) {
		t.Helper()
		g, err := s.GetGrant(ctx, "g")
		must(err)
		withAccount, _, err := s.GetGrantWithAccount(ctx, "g")
		must(err)
		byOld, err := s.GetGrantByRefreshHash(ctx, "g", h0)
		must(err)
		for name, read := range map[string]store.Grant{"GetGrant": g, "GetGrantWithAccount": withAccount, "GetGrantByRefreshHash": byOld} {
			if !bytes.Equal(read.RefreshHash, want) || !slices.Equal(read.Scopes, scopes) {
				t.Errorf("%s: hash %x, scopes %q; want %x, %q", name, read.RefreshHash, read.Scopes, want, scopes)
			}
		}
	}

	rotate(h1, nil)
	if !bytes.Equal(rawGrant(t, s, "g"), stored) {
		t.Error("a rotation rewrote the grant's record")
	}
	current(h1, "openid", "offline_access")
	exported := exportedGrant(t, s)
	slices.SortFunc(exported.RefreshHashes, bytes.Compare)
	want := [][]byte{h0, h1}
	slices.SortFunc(want, bytes.Compare)
	if !bytes.Equal(exported.Grant.RefreshHash, h1) || !slices.EqualFunc(exported.RefreshHashes, want, bytes.Equal) {
		t.Errorf("export: current %x, hashes %x; want %x and %x", exported.Grant.RefreshHash, exported.RefreshHashes, h1, want)
	}

	rotate(h2, func(g *store.Grant) { g.Scopes = []string{"openid"} })
	current(h2, "openid")
	rotate(h3, func(g *store.Grant) { g.Scopes[0] = "profile" }) // in place: the slice the read gave
	current(h3, "profile")
	if bytes.Equal(rawGrant(t, s, "g"), stored) {
		t.Error("updates that changed the scopes left the record as it was")
	}

	n, err := s.RevokeGrantsByAccount(ctx, "a")
	must(err)
	if n != 1 {
		t.Fatalf("RevokeGrantsByAccount = %d, want 1", n)
	}
	current(h3, "profile")

	if _, err := s.Sweep(ctx, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, s, indexRefreshByGrant); n != 0 {
		t.Errorf("idx_refresh_by_grant holds %d keys after the grant's sweep, want 0", n)
	}
}

// TestClearedRefreshSeenInSameCommit: an update that leaves a rotated
// grant without a refresh hash, queued in one commit before a rotation
// that presents the hash rotated away first, makes that rotation find no
// current hash, inside the shared transaction as after it (an empty
// current entry would read as none there, and the record's first hash
// would be current again).
func TestClearedRefreshSeenInSameCommit(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	ctx := t.Context()
	h0, h1, h2 := store.HashToken("r0"), store.HashToken("r1"), store.HashToken("r2")
	if err := s.CreateGrant(ctx, store.Grant{ID: "g", AccountID: "a", RefreshHash: h0, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	setHash := func(from, to []byte) error {
		return s.UpdateGrant(ctx, "g", func(g store.Grant) (store.Grant, error) {
			if from != nil && !bytes.Equal(g.RefreshHash, from) {
				return g, errors.New("not the current hash")
			}
			g.RefreshHash = to
			return g, nil
		})
	}
	if err := setHash(h0, h1); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.write(ctx, func(*bbolt.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	cleared, replayed := make(chan error, 1), make(chan error, 1)
	go func() { cleared <- setHash(nil, nil) }()
	for queued(s.commits) < 1 {
		runtime.Gosched()
	}
	go func() { replayed <- setHash(h0, h2) }()
	for queued(s.commits) < 2 {
		runtime.Gosched()
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-cleared; err != nil {
		t.Fatalf("clearing the hash: %v", err)
	}
	if err := <-replayed; err == nil {
		t.Error("a rotation presenting the first hash, rotated away, succeeded after the hash was cleared")
	}
	if g, err := s.GetGrant(ctx, "g"); err != nil || len(g.RefreshHash) != 0 {
		t.Errorf("after the commit: hash %x, %v; want none", g.RefreshHash, err)
	}
}

// rawGrant is grant id's record as the grants bucket holds it.
func rawGrant(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	var raw []byte
	if err := s.db.View(func(tx *bbolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketGrants).Get([]byte(id)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return raw
}

// exportedGrant is the one grant s exports.
func exportedGrant(t *testing.T, s *Store) store.ExportedGrant {
	t.Helper()
	var out []store.ExportedGrant
	if err := s.Export(t.Context(), func(r store.Record) error {
		if g, ok := r.Value.(store.ExportedGrant); ok {
			out = append(out, g)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("exported %d grants, want 1", len(out))
	}
	return out[0]
}

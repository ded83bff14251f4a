package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// BenchmarkSignInWrites is storetest.BenchSignInWrites on a bbolt file:
// serially each of the two commits runs alone (a lone write does not
// wait for company); in parallel the sign-ins share commits.
func BenchmarkSignInWrites(b *testing.B) {
	storetest.BenchSignInWrites(b, func(b *testing.B) store.Store { return openBench(b) })
}

// BenchmarkCommit is the floor every write pays: one unbatched bbolt
// commit with its fsync.
func BenchmarkCommit(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "commit.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var n uint64
	for b.Loop() {
		n++
		if err := db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return bk.Put(fmt.Appendf(nil, "%020d", n), []byte("value"))
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrganizations is storetest.BenchOrganizations on a bbolt file.
func BenchmarkOrganizations(b *testing.B) {
	storetest.BenchOrganizations(b, func(b *testing.B) store.Store { return openBench(b) })
}

// BenchmarkRefreshRotation is the store's part of a refresh grant, 16
// grants rotated at once as 16 clients would: find the grant by its
// refresh hash, then rotate the hash (the grant's one durable write).
// It reports what measureCommits does and the rotation's wait.
func BenchmarkRefreshRotation(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	now := time.Now()
	hashes := make(chan []byte, commitWriters)
	for i := range commitWriters {
		hash := store.HashToken(fmt.Sprint("refresh-", i))
		g := store.Grant{ID: fmt.Sprint("grant-", i), ClientID: "rp", AccountID: "acct", Subject: "sub",
			Scopes: []string{"openid", "offline_access"}, AuthTime: now, AMR: []string{"pwd", "otp"},
			RefreshHash: hash, CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)}
		if err := s.CreateGrant(ctx, g); err != nil {
			b.Fatal(err)
		}
		hashes <- hash
	}
	var seq atomic.Int64
	waits := measureCommits(b, s, func(_ int, record func(time.Time)) error {
		hash := <-hashes
		g, err := s.GetGrantByRefreshHash(ctx, hash)
		if err != nil {
			return err
		}
		next := store.HashToken(fmt.Sprint("rotated-", seq.Add(1)))
		start := time.Now()
		if err := s.UpdateGrant(ctx, g.ID, func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = next
			return g, nil
		}); err != nil {
			return err
		}
		record(start)
		hashes <- next
		return nil
	})
	reportWaits(b, waits)
}

// pagesWritten is how many pages bbolt has written since Open.
func pagesWritten(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}

package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// BenchmarkSignInWrites is storetest.BenchSignInWrites on a bbolt file:
// serially each of the three commits runs alone (a lone write does not
// wait for company); in parallel the sign-ins share commits.
func BenchmarkSignInWrites(b *testing.B) {
	storetest.BenchSignInWrites(b, func(b *testing.B) store.Store {
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
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
	storetest.BenchOrganizations(b, func(b *testing.B) store.Store {
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

// BenchmarkRefreshRotation is the store's part of a refresh grant, 16
// grants rotated at once as 16 clients would: find the grant by its
// refresh hash, then rotate the hash (the grant's one durable write). It
// reports bbolt commits and pages written per rotation.
func BenchmarkRefreshRotation(b *testing.B) {
	const workers = 16
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	now := time.Now()
	hashes := make(chan []byte, workers)
	for i := range workers {
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
	c0, p0 := s.Commits(), pagesWritten(s)
	b.SetParallelism((workers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			hash := <-hashes
			g, err := s.GetGrantByRefreshHash(ctx, hash)
			if err != nil {
				b.Error(err)
				return
			}
			next := store.HashToken(fmt.Sprint("rotated-", seq.Add(1)))
			if err := s.UpdateGrant(ctx, g.ID, func(g store.Grant) (store.Grant, error) {
				g.RefreshHash = next
				return g, nil
			}); err != nil {
				b.Error(err)
				return
			}
			hashes <- next
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(s.Commits()-c0)/float64(b.N), "commits/op")
	b.ReportMetric(float64(pagesWritten(s)-p0)/float64(b.N), "pages/op")
}

// pagesWritten is how many pages bbolt has written since Open.
func pagesWritten(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}

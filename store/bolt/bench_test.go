package bolt

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
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

// BenchmarkRefreshRotation is the store's part of a refresh grant as the
// broker makes it (a token that names its grant: one UpdateGrant by ID
// that compares the hash and writes the next), 16 at once as 16 clients
// would, each on a grant drawn at random among refreshGrants, so that
// each rotation dirties leaves of its own as on a file a day of
// sign-ins has filled (on 16 grants, all in one leaf, a commit wrote
// about 50 pages instead of 80). It reports what measureCommits does and
// the rotation's wait.
func BenchmarkRefreshRotation(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	now := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	ids, hashes := make([]string, refreshGrants), make([][]byte, refreshGrants)
	fill(b, s, refreshGrants, func(tx *bbolt.Tx, i int) error {
		hashes[i] = store.HashToken(fmt.Sprint("refresh-", i))
		ids[i] = fmt.Sprintf("grant-%016x", rng.Uint64())
		return putGrant(tx, store.Grant{ID: ids[i], ClientID: "rp",
			AccountID: fmt.Sprintf("acct-%016x", rng.Uint64()), Subject: "sub",
			Scopes: []string{"openid", "offline_access"}, AuthTime: now, AMR: []string{"pwd", "otp"},
			RefreshHash: hashes[i], CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)})
	})
	var mu sync.Mutex // hashes and rng
	var seq atomic.Int64
	waits := measureCommits(b, s, func(_ int, record func(time.Time)) error {
		mu.Lock()
		i := rng.IntN(refreshGrants)
		mu.Unlock()
		next := store.HashToken(fmt.Sprint("rotated-", seq.Add(1)))
		start := time.Now()
		if err := s.UpdateGrant(ctx, ids[i], func(g store.Grant) (store.Grant, error) {
			mu.Lock()
			defer mu.Unlock()
			if !bytes.Equal(g.RefreshHash, hashes[i]) {
				return g, fmt.Errorf("grant %s: not its current hash", g.ID)
			}
			g.RefreshHash, hashes[i] = next, next
			return g, nil
		}); err != nil {
			return err
		}
		record(start)
		return nil
	})
	reportWaits(b, waits)
}

// refreshGrants is how many grants BenchmarkRefreshRotation's file holds.
const refreshGrants = 50000

// pagesWritten is how many pages bbolt has written since Open.
func pagesWritten(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}

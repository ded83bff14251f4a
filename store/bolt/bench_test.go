package bolt

import (
	"fmt"
	"path/filepath"
	"testing"

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

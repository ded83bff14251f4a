package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// BenchmarkSweepMostlyLive: one Sweep of a store holding 20,000 live
// grants (each with 8 refresh hashes) and, each time, 1,000 auth requests
// that have just expired: what a once-a-minute sweep costs a busy broker.
func BenchmarkSweepMostlyLive(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(b.TempDir(), "p.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for i := range 20000 {
			g := store.Grant{ID: fmt.Sprintf("g-%06d", i), AccountID: fmt.Sprintf("a-%06d", i%5000), Scopes: []string{"openid", "email", "offline_access"},
				RefreshHash: store.HashToken(fmt.Sprint("r", i)), ExpiresAt: now.Add(8 * time.Hour), CreatedAt: now}
			if err := save(tx, grants, g); err != nil {
				return err
			}
			for j := range 8 {
				h := store.HashToken(fmt.Sprint("r", i, "-", j))
				if err := tx.Bucket(indexGrantByRefresh).Put(h, []byte(g.ID)); err != nil {
					return err
				}
				if err := tx.Bucket(indexRefreshByGrant).Put(ownedKey(g.ID, h), []byte{}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i := range 1000 {
				if err := save(tx, authRequests, store.AuthRequest{ID: fmt.Sprintf("ar-%d-%d", round, i), ExpiresAt: now.Add(-time.Second)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if n, err := s.Sweep(b.Context(), now); err != nil || n != 1000 {
			b.Fatalf("Sweep = %d, %v", n, err)
		}
	}
}

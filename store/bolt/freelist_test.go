package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestFreelistRebuiltAtOpen: the file's free pages are not written at
// commit (fileOptions: NoFreelistSync), so Open finds them again by
// walking the pages the records use. After a reopen, the pages that
// deletions freed are free again, no page a record uses is (bbolt's
// consistency check), and new records reuse the freed pages instead of
// growing the file.
func TestFreelistRebuiltAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	const n = 4000
	now := time.Now()
	session := func(i int) store.Session {
		return store.Session{Hash: store.HashToken(fmt.Sprint("s-", i)), AccountID: fmt.Sprint("a-", i%50), Provider: "gckey",
			ACR: "urn:gc-ca:cyber-auth:assurance:loa2", AuthTime: now, ExpiresAt: now.Add(time.Hour)}
	}
	s := openAt(t, path)
	if err := s.write(t.Context(), func(tx *bbolt.Tx) error {
		for i := range n {
			if err := putSession(tx, session(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.write(t.Context(), func(tx *bbolt.Tx) error {
		for i := 0; i < n; i += 2 {
			if err := deleteSession(tx, session(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	used := highWater(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	defer s.Close()
	if free := s.db.Stats().FreePageN; free == 0 {
		t.Fatal("no free page after Open: the pages the deletions freed were not found again")
	}
	if err := checkFile(s); err != nil {
		t.Fatalf("after Open: %v", err)
	}
	if err := s.write(t.Context(), func(tx *bbolt.Tx) error {
		for i := 0; i < n; i += 2 {
			if err := putSession(tx, session(n+i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := checkFile(s); err != nil {
		t.Fatalf("after new records: %v", err)
	}
	if grown := highWater(t, s); grown > used {
		t.Errorf("the file's used part grew from %d to %d bytes: the new records did not reuse the freed pages", used, grown)
	}
	for i := 1; i < n; i += 2 {
		for _, kept := range []int{i, n + i - 1} {
			if _, err := s.GetSession(t.Context(), session(kept).Hash); err != nil {
				t.Fatalf("session %d: %v", kept, err)
			}
		}
	}
}

// openAt opens the store file at path.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkFile runs bbolt's consistency check of the file: every page is
// used once, or free, never both.
func checkFile(s *Store) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

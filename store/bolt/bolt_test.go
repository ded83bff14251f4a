package bolt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// newStore opens a fresh store file in the test's temporary directory.
func newStore(t *testing.T, now func() time.Time) store.Store {
	return openTest(t, Options{Now: now})
}

// openTest opens a fresh store file with o in the test's temporary
// directory, closed (without error) when the test ends.
func openTest(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "passerelle.db"), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

func TestConcurrency(t *testing.T) { storetest.RunConcurrency(t, newStore) }

func TestRetention(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T, now func() time.Time, r store.Retention) store.Store {
		return openTest(t, Options{Now: now, Retention: r})
	})
}

func TestOpenLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	first, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	defer first.Close()
	_, err = Open(path, Options{Timeout: 50 * time.Millisecond})
	want := "store file " + path + " is in use by another process (lock not acquired within 50ms)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("second Open: got %v, want %q", err, want)
	}
}

func TestOpenInvalidFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"text", []byte(strings.Repeat("not a database\n", 2000))},
		{"zero pages", make([]byte, 16384)},
		{"one page", make([]byte, 4096)},
		{"short", []byte("hello")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "passerelle.db")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, Options{})
			want := "store file " + path + " is not a valid Passerelle store"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Open: got %v, want %q", err, want)
			}
		})
	}
}

func TestOpenForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("somebody-else"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a valid Passerelle store") {
		t.Fatalf("Open: got %v, want a not-a-Passerelle-store error", err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	_, err := Open(filepath.Join(dir, "passerelle.db"), Options{})
	want := "directory " + dir + " does not exist"
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open: got %v, want %q wrapping fs.ErrNotExist", err, want)
	}
}

func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening a current file works and keeps the data.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, fmt.Appendf(nil, "%d", SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path, Options{})
	want := fmt.Sprintf("schema version %d, newer than the %d this Passerelle supports", SchemaVersion+1, SchemaVersion)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open newer file: got %v", err)
	}
}

// TestSweepEmptiesIndexes looks inside the file: once every transient
// record has been swept, no index entry may remain.
func TestSweepEmptiesIndexes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	exp := now.Add(time.Minute)
	g := store.Grant{ID: "g", AccountID: "a", Scopes: []string{"openid"}, RefreshHash: store.HashToken("r0"), ExpiresAt: exp}
	for _, err := range []error{
		s.CreateGrant(ctx, g),
		s.UpdateGrant(ctx, "g", func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = store.HashToken("r1")
			return g, nil
		}),
		s.CreateSession(ctx, store.Session{Hash: store.HashToken("c"), AccountID: "a", ExpiresAt: exp}),
		s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar", ExpiresAt: exp}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	sweepEmpties(t, s, now.Add(time.Hour), 3)
}

// TestRetiredBucketDropped: a file written when codes had a bucket of
// their own loses that bucket at Open, and nothing else.
func TestRetiredBucketDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("codes"))
		if err != nil {
			return err
		}
		return b.Put([]byte("hash"), []byte(`{"auth_request_id":"ar"}`))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClient(t.Context(), store.Client{ID: "kept"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("codes")) != nil {
			t.Error("the codes bucket survived Open")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetClient(t.Context(), "kept"); err != nil {
		t.Errorf("client lost with the retired bucket: %v", err)
	}
}

// sweepEmpties sweeps at `at`, wants n records swept, then no entry left
// in any data bucket (records and indexes).
func sweepEmpties(t *testing.T, s *Store, at time.Time, want int) {
	t.Helper()
	n, err := s.Sweep(t.Context(), at)
	if err != nil || n != want {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, want)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range dataBuckets {
			if k, _ := tx.Bucket(name).Cursor().First(); k != nil {
				t.Errorf("bucket %s still holds %x", name, k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateKeepsKey(t *testing.T) {
	s := newStore(t, time.Now)
	ctx := t.Context()
	if err := s.CreateClient(ctx, store.Client{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	err := s.UpdateClient(ctx, "a", func(c store.Client) (store.Client, error) {
		c.ID = "b"
		return c, nil
	})
	if err == nil || !strings.Contains(err.Error(), "may not change the key") {
		t.Fatalf("UpdateClient changing the ID: got %v", err)
	}
	if _, err := s.GetClient(ctx, "b"); err == nil {
		t.Error("client stored under the new ID")
	}
}

// TestBatchFailureIsolated: a write that fails after writing (an internal
// error, not a refusal) rolls back only itself; the writes batched with it
// are re-run and committed, and its partial write never lands.
func TestBatchFailureIsolated(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	ctx := t.Context()
	boom := errors.New("disk on fire")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash := store.HashToken(fmt.Sprintf("s-%d", i))
			if i%4 == 0 {
				errs[i] = s.write(ctx, func(tx *bbolt.Tx) error {
					if err := save(tx, sessions, store.Session{Hash: hash, AccountID: "a"}); err != nil {
						return err
					}
					return boom
				})
				return
			}
			errs[i] = s.CreateSession(ctx, store.Session{Hash: hash, AccountID: "a"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		_, getErr := s.GetSession(ctx, store.HashToken(fmt.Sprintf("s-%d", i)))
		if i%4 == 0 {
			if !errors.Is(err, boom) || !errors.Is(getErr, store.ErrNotFound) {
				t.Errorf("failing write %d: got %v, record %v", i, err, getErr)
			}
		} else if err != nil || getErr != nil {
			t.Errorf("write %d batched with a failure: %v, record %v", i, err, getErr)
		}
	}
}

// TestLoneWriteDoesNotWait: a write with no other in progress commits at
// once instead of waiting for company.
func TestLoneWriteDoesNotWait(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "passerelle.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { done <- s.CreateClient(t.Context(), store.Client{ID: "alone"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a lone write waited for company")
	}
	if _, err := s.GetClient(t.Context(), "alone"); err != nil {
		t.Errorf("the lone write did not land: %v", err)
	}
}

package bolt

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestBackupWhileWriting: Backup copies a consistent file while writes
// go on; the copy opens as a store holding everything written before it
// began. BackupFile refuses the file a store holds, and copies it once
// closed.
func TestBackupWhileWriting(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "p.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for i := range 200 {
		if err := s.CreateClient(ctx, store.Client{ID: fmt.Sprintf("before-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.CreateClient(ctx, store.Client{ID: fmt.Sprintf("during-%05d", i)}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var buf bytes.Buffer
	var size int64
	err = s.Backup(ctx, func(n int64) (io.Writer, error) { size = n; return &buf, nil })
	close(stop)
	wg.Wait()
	if err != nil || int64(buf.Len()) != size {
		t.Fatalf("Backup: %v, %d bytes of %d", err, buf.Len(), size)
	}
	if _, err := BackupFile(filepath.Join(dir, "p.db"), io.Discard, 20*time.Millisecond); !IsLocked(err) {
		t.Errorf("BackupFile of a file in use: %v, want a lock timeout", err)
	}
	s.Close()

	copyPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(copyPath, Options{})
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer c.Close()
	got, err := c.ListClients(ctx)
	if err != nil || len(got) < 200 || got[0].ID != "before-000" {
		t.Fatalf("the copy holds %d clients (%v)", len(got), err)
	}
	var file bytes.Buffer
	if n, err := BackupFile(filepath.Join(dir, "p.db"), &file, time.Second); err != nil || n != int64(file.Len()) {
		t.Fatalf("BackupFile of a closed file: %d, %v", n, err)
	}
}

// TestCompactFileShrinks: after a sweep frees most of the file, compaction
// gives the space back and keeps what is live.
func TestCompactFileShrinks(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.CreateClient(ctx, store.Client{ID: "kept"}); err != nil {
		t.Fatal(err)
	}
	err = s.write(ctx, func(tx *bbolt.Tx) error {
		for i := range 5000 {
			r := store.AuthRequest{ID: fmt.Sprintf("ar-%05d", i), ExpiresAt: now.Add(time.Second), Nonce: string(bytes.Repeat([]byte("n"), 500))}
			if err := save(tx, authRequests, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx, now.Add(time.Hour)); err != nil || n != 5000 {
		t.Fatalf("Sweep = %d, %v", n, err)
	}
	if _, _, err := CompactFile(path, 20*time.Millisecond); !IsLocked(err) {
		t.Errorf("CompactFile of a file in use: %v, want a lock timeout", err)
	}
	s.Close()
	before, after, err := CompactFile(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if after*2 > before {
		t.Errorf("compacted from %d to %d bytes, want less than half", before, after)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetClient(ctx, "kept"); err != nil {
		t.Errorf("client after compaction: %v", err)
	}
}

package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/passerelle/passerelle/store"
)

var _ store.Backuper = (*Store)(nil)

// Backup writes a consistent copy of the whole file from one read
// transaction (bbolt's Tx.WriteTo) while the store keeps serving: writes
// go on, and the copy is the file as of the transaction's start. open is
// called with the copy's size before anything is written. While the copy
// runs, a write that must grow the file's memory map waits for it, and
// pages freed meanwhile are not reused: write to something fast (the admin
// API writes a local temporary file, then serves it).
func (s *Store) Backup(ctx context.Context, open func(size int64) (io.Writer, error)) error {
	if err := s.audit.Flush(ctx); err != nil {
		return err
	}
	return s.view(ctx, func(tx *bbolt.Tx) error {
		w, err := open(tx.Size())
		if err != nil {
			return err
		}
		_, err = tx.WriteTo(w)
		return err
	})
}

// IsLocked reports whether err says the store file is held by another
// process (a running broker): Open and the *File functions fail so.
func IsLocked(err error) bool { return errors.Is(err, berrors.ErrTimeout) }

// BackupFile writes a consistent copy of the store file at path, which
// no process may be serving (the file lock is taken, shared, within
// timeout; IsLocked tells a file in use). It returns the bytes written.
// The running broker backs itself up through Backup instead.
func BackupFile(path string, w io.Writer, timeout time.Duration) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store file %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return 0, openError(path, timeout, err)
	}
	defer db.Close()
	var n int64
	err = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("store file %s is not a valid Passerelle store: no %q bucket", path, bucketMeta)
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// CompactFile rewrites the store file at path into a new file holding
// only the live pages (bbolt's Compact), then puts it in place: the file
// shrinks to its data, which a sweep alone never does (bbolt reuses freed
// pages but never returns them). No broker may be serving the file: the
// exclusive lock is taken within timeout and held to the end. The old
// file stays until the new one is complete and synced; a crash leaves
// one or the other, plus a stray path+".compact" to delete. It returns
// the sizes before and after.
func CompactFile(path string, timeout time.Duration) (before, after int64, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("store file %s: %w", path, err)
	}
	src, err := bbolt.Open(path, 0o600, fileOptions(timeout))
	if err != nil {
		return 0, 0, openError(path, timeout, err)
	}
	defer src.Close()
	if err := src.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("store file %s is not a valid Passerelle store: no %q bucket", path, bucketMeta)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	tmp := path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bbolt.Open(tmp, st.Mode().Perm(), fileOptions(timeout))
	if err != nil {
		return 0, 0, openError(tmp, timeout, err)
	}
	// 64 MiB per transaction bounds the memory Compact holds.
	if err := bbolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil { // Close syncs nothing more: every Compact commit was fsync'd
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	ns, err := os.Stat(tmp)
	if err != nil {
		return 0, 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return st.Size(), ns.Size(), syncDir(path)
}

// syncDir makes a rename in path's directory durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

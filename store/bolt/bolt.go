package bolt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/passerelle/passerelle/store"
)

// SchemaVersion is the layout version written into the meta bucket of a new
// store file. Open refuses a file with a newer version, written by a newer
// Passerelle, rather than misread it, and upgrades an older one (see
// upgrades).
const SchemaVersion = 5

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = time.Second

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Now is the clock deciding whether a record has expired; time.Now
	// when nil. Tests inject a fixed clock.
	Now func() time.Time
	// Timeout is how long Open waits for the file lock held by another
	// process before failing; DefaultTimeout when zero.
	Timeout time.Duration
	// Retention is how long Sweep keeps audit events and rotated-away
	// refresh hashes; the zero value keeps them (store.Retention).
	Retention store.Retention
	// MaxAuthRequests bounds the auth requests (sign-ins in progress)
	// held in memory; DefaultMaxAuthRequests when zero.
	MaxAuthRequests int
}

// Store is the bbolt implementation of store.Store: the composition of
// one type per role (roles.go) over a shared base.
type Store struct {
	*base
	clientRecords
	accountRecords
	flowRecords
	grantRecords
	sessionRecords
	factorRecords
	otpRecords
	localUserRecords
	termsRecords
	orgRecords
	legacyRecords
	recordRecords
	auditLog
}

// base holds what every role shares (roles.go): the open file, the clock
// deciding expiry, the retention Sweep applies and the group commit every
// write goes through. Its methods (view, write, expired) are the
// transactions every role runs in.
type base struct {
	db        *bbolt.DB
	now       func() time.Time
	retention store.Retention
	// authRequests are the sign-ins in progress, in memory (transient.go).
	authRequests *memTable[store.AuthRequest]
	// commits groups concurrent writes into shared commits (commit.go).
	commits *committer
	// writes counts the durable writes since Open (Writes).
	writes atomic.Int64
	// audit is the audit log's group commit (audit.go).
	audit        *store.AuditQueue
	auditCommits atomic.Int64
}

var _ store.Store = (*Store)(nil)

// Open opens the store file at path, creating it (mode 0600) and its
// buckets if it does not exist. The directory must exist. Only one process
// may have the file open at a time.
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxAuthRequests <= 0 {
		opts.MaxAuthRequests = DefaultMaxAuthRequests
	}
	db, err := bbolt.Open(path, 0o600, fileOptions(opts.Timeout))
	if err != nil {
		return nil, openError(path, opts.Timeout, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return initSchema(tx, path) }); err != nil {
		_ = db.Close()
		return nil, err
	}
	authRequests := newMemTable("auth request", opts.MaxAuthRequests, store.MaxHeldAuthRequests, opts.Now, store.AuthRequest.Clone,
		func(r store.AuthRequest) time.Time { return r.ExpiresAt }, store.AuthRequest.Holder, func(r store.AuthRequest) bool { return r.Done })
	b := &base{db: db, now: opts.Now, retention: opts.Retention, authRequests: authRequests, commits: &committer{db: db}}
	return compose(b), nil
}

// fileOptions are the bbolt options of the store file. The freelist (the
// file's free pages) is not written at each commit but rebuilt at Open by
// walking the file's pages, and held as a hashmap: doc.go (Durability)
// says why every commit stays as durable and what Open pays for it.
func fileOptions(timeout time.Duration) *bbolt.Options {
	return &bbolt.Options{Timeout: timeout, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType}
}

// openError turns a bbolt.Open failure into a message an operator can act on.
func openError(path string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("store file %s is in use by another process (lock not acquired within %s): %w", path, timeout, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("store file %s cannot be created: directory %s does not exist: %w", path, filepath.Dir(path), err)
	case errors.As(err, new(*fs.PathError)), errors.As(err, new(syscall.Errno)):
		// The operating system refused: permissions, read-only disk.
		return fmt.Errorf("store file %s cannot be opened: %w", path, err)
	default:
		// What remains are bbolt's checks of the file's header and meta
		// pages (ErrInvalid, ErrChecksum, "file size too small", ...).
		return fmt.Errorf("store file %s is not a valid Passerelle store: %w", path, err)
	}
}

// initSchema creates the buckets of a new file and checks the schema
// version of an existing one.
func initSchema(tx *bbolt.Tx, path string) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		foreign := false
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { foreign = true; return nil })
		if foreign {
			return fmt.Errorf("store file %s is not a valid Passerelle store: it holds buckets but no %q bucket", path, bucketMeta)
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return fmt.Errorf("store file %s: %w", path, err)
		}
		if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return fmt.Errorf("store file %s: %w", path, err)
		}
	}
	raw := meta.Get(keySchemaVersion)
	version, err := strconv.Atoi(string(raw))
	if err != nil || version < 1 {
		return fmt.Errorf("store file %s is not a valid Passerelle store: schema version %q", path, raw)
	}
	if version > SchemaVersion {
		return fmt.Errorf("store file %s has schema version %d, newer than the %d this Passerelle supports: upgrade Passerelle", path, version, SchemaVersion)
	}
	for _, name := range dataBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("store file %s: bucket %s: %w", path, name, err)
		}
	}
	for _, name := range retiredBuckets {
		if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("store file %s: bucket %s: %w", path, name, err)
		}
	}
	return upgrade(tx, meta, version, path)
}

// Ping reports whether the file is still open and readable.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("store/bolt: meta bucket missing")
		}
		return nil
	})
}

// Close commits the queued audit events, then releases the file and its
// lock.
func (s *Store) Close() error {
	return errors.Join(s.audit.Close(), s.db.Close())
}

// view runs fn in a read-only transaction.
func (s *base) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// refusal carries an outcome for the caller (a contract error, or the
// error of an update callback) out of a write function that has written
// nothing. A shared commit goes ahead anyway, so one refused write does
// not roll back and re-run the writes that share its commit.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// refuse wraps err as a refusal. Call it only before the write function
// has modified anything.
func refuse(err error) error { return refusal{err: err} }

// write runs fn in a read-write transaction committed with fsync before
// it returns: its own when no other commit is running, else one shared
// with the writes that arrive meanwhile (committer). A shared commit
// that fails runs each of its functions again on its own, so fn must
// derive everything from tx and reset whatever it reports to the caller
// at each run. Only a write that committed what fn wrote counts among
// Writes: a refused one wrote nothing.
func (s *base) write(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.commits.write(fn)
	if err == nil {
		s.writes.Add(1)
	}
	return err
}

// expired reports whether a record with this ExpiresAt is gone for the
// store's clock. A zero ExpiresAt never expires.
func (s *base) expired(expiresAt time.Time) bool {
	return isExpired(expiresAt, s.now())
}

func isExpired(expiresAt, now time.Time) bool {
	return !expiresAt.IsZero() && expiresAt.Before(now)
}

// Writes is the number of durable writes (read-write transactions, each
// committed with fsync, alone or in a batch) that callers waited for
// since Open; a refused write (a contract error, an update callback's
// error) rolls back or writes nothing in its batch, and is not one.
// Tests and the bench count them per sign-in. The audit log's group
// commits are not among them (AuditCommits).
func (s *Store) Writes() int64 { return s.writes.Load() }

// Commits is the number of read-write transactions committed to the
// file in its whole life (bbolt's transaction ID): writes that share a
// batch share one, and the audit log's group commits count too. The
// bench reads it before and after a run to count commits per operation.
func (s *Store) Commits() int64 {
	var n int64
	_ = s.db.View(func(tx *bbolt.Tx) error { n = int64(tx.ID()); return nil })
	return n
}

// AuditCommits is the number of audit batches committed since Open,
// each of up to store.AuditBatch events that nobody waited for, in a
// commit of its own or one shared with writes (commitAudit).
func (s *Store) AuditCommits() int64 { return s.auditCommits.Load() }

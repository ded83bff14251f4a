package bolt

import (
	"fmt"
	"sync"
	"time"

	"github.com/passerelle/passerelle/store"
)

// DefaultMaxAuthRequests bounds the auth requests held in memory when
// Options.MaxAuthRequests is zero: at about 2 KB each (a request object's
// claims and a long state included), 200 MB at the worst.
const DefaultMaxAuthRequests = 100_000

// memTable holds the records that live for one sign-in (auth requests) in
// memory instead of the file: a bbolt store is one process (Open takes an
// exclusive lock on the file), so a mutex-guarded map is as single-use as
// a bbolt transaction, and no fsync is spent on what a crash may lose
// anyway (a sign-in in progress starts again). Records are kept as
// values, deep-copied (clone) on the way in and on the way out, so no
// caller shares a slice or map with the table, and no JSON is encoded or
// decoded for them.
//
// The table holds at most max records. A create that finds it full first
// drops the expired ones; if it is still full, it evicts the oldest
// evictable record (for auth requests: one whose person has passed no
// credential yet, store.AuthRequest.PastCredential, an anonymous
// visitor's as much as anybody's), so a flood of anonymous
// sign-ins never refuses a new one and never ends one already past its
// credential; only when every record is past its credential does it
// refuse (errFull).
type memTable[T any] struct {
	noun      string
	max       int
	clone     func(T) T
	expires   func(T) time.Time
	evictable func(T) bool
	now       func() time.Time

	mu   sync.Mutex
	rows map[string]memRow[T]
	// order holds the keys in creation order (with keys since deleted,
	// skipped when met): the head is the oldest, evicted first.
	order []string
}

type memRow[T any] struct {
	v         T
	expires   time.Time
	evictable bool
}

// newMemTable is a table of at most max records; clone is a deep copy of
// a record, sharing no slice, map or pointer with it.
func newMemTable[T any](noun string, max int, now func() time.Time, clone func(T) T, expires func(T) time.Time, evictable func(T) bool) *memTable[T] {
	return &memTable[T]{noun: noun, max: max, clone: clone, expires: expires, evictable: evictable, now: now, rows: map[string]memRow[T]{}}
}

func (m *memTable[T]) notFound() error {
	return fmt.Errorf("store/bolt: %s: %w", m.noun, store.ErrNotFound)
}

// live returns the row at key unless it is missing or expired. Call with
// mu held.
func (m *memTable[T]) live(key string) (memRow[T], bool) {
	r, ok := m.rows[key]
	if !ok || isExpired(r.expires, m.now()) {
		return memRow[T]{}, false
	}
	return r, true
}

// row is what the table keeps of v: a copy of it.
func (m *memTable[T]) row(v T) memRow[T] {
	return memRow[T]{v: m.clone(v), expires: m.expires(v), evictable: m.evictable(v)}
}

// create adds v at key: ErrAlreadyExists while a live record holds the
// key, errFull when the table holds max live records.
func (m *memTable[T]) create(key string, v T) error {
	row := m.row(v)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); ok {
		return fmt.Errorf("store/bolt: %s: %w", m.noun, store.ErrAlreadyExists)
	}
	if len(m.rows) >= m.max {
		m.sweepLocked(m.now())
	}
	if len(m.rows) >= m.max && !m.evictOldest() {
		return fmt.Errorf("store/bolt: %d %ss in progress, none evictable, the most this store holds (Options.MaxAuthRequests): %w", m.max, m.noun, errFull)
	}
	if _, held := m.rows[key]; !held {
		m.order = append(m.order, key)
	}
	m.rows[key] = row
	return nil
}

// evictOldest deletes the oldest evictable record and reports whether
// there was one. It drops from order the keys already deleted that it
// meets at the head, and compacts order when it holds many more keys than
// rows, so order stays within a small multiple of max. Call with mu held.
func (m *memTable[T]) evictOldest() bool {
	for len(m.order) > 0 {
		if _, ok := m.rows[m.order[0]]; ok {
			break
		}
		m.order = m.order[1:]
	}
	for i, k := range m.order {
		if r, ok := m.rows[k]; ok && r.evictable {
			delete(m.rows, k)
			m.order = append(m.order[:i:i], m.order[i+1:]...)
			return true
		}
	}
	return false
}

// compact drops from order the keys no longer held, once it holds twice
// as many keys as there are rows. Call with mu held.
func (m *memTable[T]) compact() {
	if len(m.order) <= 2*len(m.rows)+64 {
		return
	}
	kept := make([]string, 0, len(m.rows))
	for _, k := range m.order {
		if _, ok := m.rows[k]; ok {
			kept = append(kept, k)
		}
	}
	m.order = kept
}

func (m *memTable[T]) get(key string) (T, error) {
	m.mu.Lock()
	r, ok := m.live(key)
	m.mu.Unlock()
	if !ok {
		var zero T
		return zero, m.notFound()
	}
	return m.clone(r.v), nil
}

// update runs fn on the live record at key and stores what it returns,
// all under the table's lock: two updates of one record run one after
// the other, as in one bbolt transaction each.
func (m *memTable[T]) update(key string, fn func(T) (T, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.live(key)
	if !ok {
		return m.notFound()
	}
	v, err := fn(m.clone(r.v))
	if err != nil {
		return err
	}
	m.rows[key] = m.row(v)
	return nil
}

func (m *memTable[T]) remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); !ok {
		return m.notFound()
	}
	delete(m.rows, key)
	m.compact()
	return nil
}

// sweep drops the records expired at now and returns how many.
func (m *memTable[T]) sweep(now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sweepLocked(now)
}

func (m *memTable[T]) sweepLocked(now time.Time) int {
	n := 0
	for k, r := range m.rows {
		if isExpired(r.expires, now) {
			delete(m.rows, k)
			n++
		}
	}
	m.compact()
	return n
}

// errFull refuses a new record when the table is at its bound and holds
// nothing it may evict.
var errFull = fmt.Errorf("too many records in progress")

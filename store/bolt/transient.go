package bolt

import (
	ordered "container/list"
	"encoding/json"
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
// anyway (a sign-in in progress starts again). Records are kept as JSON,
// so no caller shares a slice or map with the table. The table holds at
// most max records; Create past it first drops the expired ones, then the
// oldest evictable one (an auth request nobody has signed in to yet), and
// refuses (errFull) only when none is: visitors who fill the table with
// sign-ins they never finish push out their own, not the people who
// arrive after them or who are past their credential.
type memTable[T any] struct {
	noun      string
	max       int
	expires   func(T) time.Time
	evictable func(T) bool
	now       func() time.Time

	mu    sync.Mutex
	rows  map[string]memRow
	order ordered.List // keys, oldest created first
}

type memRow struct {
	raw       []byte
	expires   time.Time
	evictable bool
	at        *ordered.Element // the key in order
}

func newMemTable[T any](noun string, max int, now func() time.Time, expires func(T) time.Time, evictable func(T) bool) *memTable[T] {
	return &memTable[T]{noun: noun, max: max, expires: expires, evictable: evictable, now: now, rows: map[string]memRow{}}
}

func (m *memTable[T]) notFound() error {
	return fmt.Errorf("store/bolt: %s: %w", m.noun, store.ErrNotFound)
}

// live returns the row at key unless it is missing or expired. Call with
// mu held.
func (m *memTable[T]) live(key string) (memRow, bool) {
	r, ok := m.rows[key]
	if !ok || isExpired(r.expires, m.now()) {
		return memRow{}, false
	}
	return r, true
}

func (m *memTable[T]) encode(v T) (memRow, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return memRow{}, fmt.Errorf("store/bolt: encode %s: %w", m.noun, err)
	}
	return memRow{raw: raw, expires: m.expires(v), evictable: m.evictable(v)}, nil
}

func (m *memTable[T]) decode(r memRow) (T, error) {
	var v T
	if err := json.Unmarshal(r.raw, &v); err != nil {
		return v, fmt.Errorf("store/bolt: decode %s: %w", m.noun, err)
	}
	return v, nil
}

// create adds v at key: ErrAlreadyExists while a live record holds the
// key, errFull when the table holds max live records none of which is
// evictable.
func (m *memTable[T]) create(key string, v T) error {
	row, err := m.encode(v)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); ok {
		return fmt.Errorf("store/bolt: %s: %w", m.noun, store.ErrAlreadyExists)
	}
	if len(m.rows) >= m.max {
		m.sweepLocked(m.now())
		if len(m.rows) >= m.max && !m.evictOldest() {
			return fmt.Errorf("store/bolt: %d %ss in progress, the most this store holds (Options.MaxAuthRequests): %w", m.max, m.noun, errFull)
		}
	}
	if old, ok := m.rows[key]; ok { // expired
		m.order.Remove(old.at)
	}
	row.at = m.order.PushBack(key)
	m.rows[key] = row
	return nil
}

// evictOldest drops the oldest evictable record; false when there is
// none. Call with mu held.
func (m *memTable[T]) evictOldest() bool {
	for e := m.order.Front(); e != nil; e = e.Next() {
		key := e.Value.(string)
		if m.rows[key].evictable {
			m.order.Remove(e)
			delete(m.rows, key)
			return true
		}
	}
	return false
}

func (m *memTable[T]) get(key string) (T, error) {
	m.mu.Lock()
	r, ok := m.live(key)
	m.mu.Unlock()
	if !ok {
		var zero T
		return zero, m.notFound()
	}
	return m.decode(r)
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
	v, err := m.decode(r)
	if err != nil {
		return err
	}
	if v, err = fn(v); err != nil {
		return err
	}
	row, err := m.encode(v)
	if err != nil {
		return err
	}
	row.at = r.at
	m.rows[key] = row
	return nil
}

func (m *memTable[T]) remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.live(key)
	if !ok {
		return m.notFound()
	}
	m.order.Remove(r.at)
	delete(m.rows, key)
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
			m.order.Remove(r.at)
			delete(m.rows, k)
			n++
		}
	}
	return n
}

// errFull refuses a new record when the table is at its bound.
var errFull = fmt.Errorf("too many records in progress")

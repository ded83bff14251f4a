package bolt

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/passerelle/passerelle/store"
)

// DefaultMaxAuthRequests bounds the auth requests held in memory when
// Options.MaxAuthRequests is zero: at about 2 KB each (a request object's
// claims and a long state included), 200 MB. A request whose code is
// issued is held as JSON (memTable), where a parameter at its length
// limit full of characters JSON escapes takes up to six times its
// length: about 9 KB for one with every parameter so, 900 MB for a table
// of them, which takes 100,000 people completing a sign-in (credential
// and second factor) within one code lifetime.
const DefaultMaxAuthRequests = 100_000

// memTable holds the records that live for one sign-in (auth requests) in
// memory instead of the file: a bbolt store is one process (Open takes an
// exclusive lock on the file), so a mutex-guarded map is as single-use as
// a bbolt transaction, and no fsync is spent on what a crash may lose
// anyway (a sign-in in progress starts again). Records are kept as
// values, deep-copied (clone) on the way in and on the way out, so no
// caller shares a slice or map with the table, and no JSON is encoded or
// decoded for them while they are read and written step after step.
//
// A settled record (settled: for auth requests, Done, the code issued)
// is kept as its JSON instead (the form store/postgres stores it in): it
// is read again only when its code is exchanged, and at a replay, but
// waits out the code's lifetime (a minute) for the replay. At a steady
// rate of sign-ins such records are much of the table: in make
// bench-compare's half-load sign-ins, as values (about 1.8 KB and a few
// dozen pointers each) they were most of what each garbage collection
// marked. While it marks, the collector's workers take cores the
// upstream and the load generator need, the sign-ins it overlaps slow at
// every hop, and they made the p99. Bytes hold no pointers to follow. In
// two pairs of alternating runs (GODEBUG=gctrace=1 on the broker) the
// median marking of the last 30 collections went from 43-45 ms to 22-24
// ms, the longest from 103-123 ms to 44-51 ms, and the sign-ins' p99 at
// half load from 49 and 83 ms to 32 and 44 ms. Encoding costs the
// completion a json.Marshal and the exchange a json.Unmarshal:
// BenchmarkSignIn/bbolt's CPU per sign-in did not move beyond its noise
// (2.76 and 2.68 ms, means of three alternating runs), its allocations
// rose 2%.
//
// The table holds at most max records. A create that finds it full first
// drops the expired ones; if it is still full, it evicts the oldest
// record not protected. A record is protected when it has a holder (for
// auth requests: its person has passed a credential,
// store.AuthRequest.Holder) and is among the maxHeld newest, by
// creation, of the records that holder has protected: when a record
// gets its holder, it joins them, and the oldest beyond maxHeld becomes
// evictable again (for good). So a flood of anonymous sign-ins never
// refuses a new one and never ends a person's newest ones past their
// credential, and one holder keeping many cannot fill the table; only
// when every record is protected (max/maxHeld holders at the least) does
// it refuse (errFull). Each create or update does O(maxHeld) work for
// the protection: held keeps each holder's protected keys. A create at
// the bound walks the table for expired records only once one may have
// expired (soonest), so a flood at the bound costs no walk per create.
type memTable[T any] struct {
	noun    string
	max     int
	maxHeld int
	clone   func(T) T
	expires func(T) time.Time
	holder  func(T) string
	settled func(T) bool
	now     func() time.Time

	mu   sync.Mutex
	rows map[string]memRow[T]
	// order holds the keys in creation order (with keys since deleted,
	// skipped when met): the head is the oldest, evicted first.
	order []string
	// seq is the creation number of the newest record.
	seq uint64
	// held lists each holder's protected keys, oldest first: at most
	// maxHeld.
	held map[string][]string
	// soonest is at or before the earliest expiry of the records, zero
	// when none expires: nothing has expired before it.
	soonest time.Time
}

type memRow[T any] struct {
	// v is the record, or nil and encoded its JSON when it is settled: a
	// row small enough for the map to hold in place.
	v         *T
	encoded   []byte
	expires   time.Time
	seq       uint64
	holder    string
	protected bool
}

// newMemTable is a table of at most max records, protecting maxHeld per
// holder ("" is none); clone is a deep copy of a record, sharing no
// slice, map or pointer with it; settled tells the records kept as JSON.
func newMemTable[T any](noun string, max, maxHeld int, now func() time.Time, clone func(T) T, expires func(T) time.Time, holder func(T) string, settled func(T) bool) *memTable[T] {
	return &memTable[T]{noun: noun, max: max, maxHeld: maxHeld, clone: clone, expires: expires, holder: holder, settled: settled,
		now: now, rows: map[string]memRow[T]{}, held: map[string][]string{}}
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

// row is what the table keeps of v, created seq-th, not yet protected: a
// copy of it, or its JSON when it is settled.
func (m *memTable[T]) row(v T, seq uint64) (memRow[T], error) {
	r := memRow[T]{expires: m.expires(v), seq: seq, holder: m.holder(v)}
	if !m.settled(v) {
		c := m.clone(v)
		r.v = &c
		return r, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return memRow[T]{}, fmt.Errorf("store/bolt: encode %s: %w", m.noun, err)
	}
	r.encoded = b
	return r, nil
}

// value is the record r holds, shared with no one.
func (m *memTable[T]) value(r memRow[T]) (T, error) {
	if r.v != nil {
		return m.clone(*r.v), nil
	}
	var v T
	if err := json.Unmarshal(r.encoded, &v); err != nil {
		return v, fmt.Errorf("store/bolt: decode %s: %w", m.noun, err)
	}
	return v, nil
}

// create adds v at key: ErrAlreadyExists while a live record holds the
// key, errFull when the table holds max live records.
func (m *memTable[T]) create(key string, v T) error {
	row, err := m.row(v, 0)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); ok {
		return fmt.Errorf("store/bolt: %s: %w", m.noun, store.ErrAlreadyExists)
	}
	if now := m.now(); len(m.rows) >= m.max && isExpired(m.soonest, now) {
		m.sweepLocked(now)
	}
	if len(m.rows) >= m.max && !m.evictOldest() {
		return fmt.Errorf("store/bolt: %d %ss in progress, none evictable, the most this store holds (Options.MaxAuthRequests): %w", m.max, m.noun, errFull)
	}
	if _, expired := m.rows[key]; expired {
		m.drop(key)
	} else {
		m.order = append(m.order, key)
	}
	m.seq++
	row.seq = m.seq
	m.put(key, row)
	m.protect(key)
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
		if r, ok := m.rows[k]; ok && !r.protected {
			m.drop(k)
			// Shift the i protected keys before it, not the tail:
			// they are few, the tail is most of the table.
			copy(m.order[1:i+1], m.order[:i])
			m.order = m.order[1:]
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
	return m.value(r)
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
	v, err := m.value(r)
	if err != nil {
		return err
	}
	if v, err = fn(v); err != nil {
		return err
	}
	row, err := m.row(v, r.seq)
	if err != nil {
		return err
	}
	if row.holder == r.holder {
		row.protected = r.protected
		m.put(key, row)
		return nil
	}
	m.drop(key)
	m.put(key, row)
	m.protect(key)
	return nil
}

func (m *memTable[T]) remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); !ok {
		return m.notFound()
	}
	m.drop(key)
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
	m.soonest = time.Time{}
	for k, r := range m.rows {
		if isExpired(r.expires, now) {
			m.drop(k)
			n++
		} else {
			m.lowerSoonest(r.expires)
		}
	}
	m.compact()
	return n
}

// put stores row at key. Call with mu held.
func (m *memTable[T]) put(key string, row memRow[T]) {
	m.rows[key] = row
	m.lowerSoonest(row.expires)
}

// lowerSoonest brings soonest down to expires, unless expires is zero
// (never) or later. Call with mu held.
func (m *memTable[T]) lowerSoonest(expires time.Time) {
	if !expires.IsZero() && (m.soonest.IsZero() || expires.Before(m.soonest)) {
		m.soonest = expires
	}
}

// protect adds the record at key to its holder's protected records, in
// creation order, and makes the oldest beyond maxHeld evictable. Call
// with mu held.
func (m *memTable[T]) protect(key string) {
	r := m.rows[key]
	if r.holder == "" {
		return
	}
	r.protected = true
	m.rows[key] = r
	keys := m.held[r.holder]
	i := len(keys)
	for i > 0 && m.rows[keys[i-1]].seq > r.seq {
		i--
	}
	keys = slices.Insert(keys, i, key)
	if len(keys) > m.maxHeld {
		oldest := m.rows[keys[0]]
		oldest.protected = false
		m.rows[keys[0]] = oldest
		keys = slices.Delete(keys, 0, 1)
	}
	m.held[r.holder] = keys
}

// drop deletes the record at key, and its key from its holder's protected
// ones. Call with mu held.
func (m *memTable[T]) drop(key string) {
	r := m.rows[key]
	delete(m.rows, key)
	if !r.protected {
		return
	}
	keys := slices.DeleteFunc(m.held[r.holder], func(k string) bool { return k == key })
	if len(keys) == 0 {
		delete(m.held, r.holder)
		return
	}
	m.held[r.holder] = keys
}

// errFull refuses a new record when the table is at its bound and holds
// nothing it may evict.
var errFull = fmt.Errorf("too many records in progress")

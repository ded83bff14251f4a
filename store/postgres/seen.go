package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxSeen bounds the rows a store remembers (about 2 KB each).
const maxSeen = 1024

// seen is a row as a read returned it: its record, its version (xmin)
// and its expiry (nil: never).
type seen struct {
	raw     []byte
	version uint32
	expires *time.Time
}

// seenRows remembers the rows of the reads an update usually follows
// (an auth request the broker reads and then updates, a grant found by
// its refresh hash and then rotated), so that the update tries its
// compare-and-swap on what was read instead of reading the row again:
// one round trip saved per update. The swap's UPDATE ... WHERE xmin
// writes only if the row is still at the version read, so a row changed
// since (by this replica or another) is read again as before; an entry
// is taken by the first update of its key, and beyond maxSeen a new
// one takes the place of any other.
type seenRows struct {
	mu   sync.Mutex
	rows map[seenKey]seen
}

type seenKey struct{ table, key string }

// put remembers row as table's row at key.
func (r *seenRows) put(table string, key any, row seen) {
	k := seenKey{table, keyString(key)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rows == nil {
		r.rows = make(map[seenKey]seen)
	}
	if _, ok := r.rows[k]; !ok && len(r.rows) >= maxSeen {
		for old := range r.rows { // any one: map order is random
			delete(r.rows, old)
			break
		}
	}
	r.rows[k] = row
}

// take returns and forgets the row remembered at key, unless it expired
// before now.
func (r *seenRows) take(table string, key any, now time.Time) (seen, bool) {
	k := seenKey{table, keyString(key)}
	r.mu.Lock()
	row, ok := r.rows[k]
	delete(r.rows, k)
	r.mu.Unlock()
	if !ok || (row.expires != nil && row.expires.Before(now)) {
		return seen{}, false
	}
	return row, true
}

// keyString is a text or bytea key as a map key.
func keyString(key any) string {
	if b, ok := key.([]byte); ok {
		return string(b)
	}
	return key.(string)
}

// getSeen is get for a record an update usually follows: the row is
// remembered (seenRows) for that update's compare-and-swap.
func (t table[T]) getSeen(ctx context.Context, s *base, key any) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cond, args := t.where(key, s.now())
	expires := "expires_at"
	if !t.transient {
		expires = "NULL::timestamptz" // never
	}
	return t.remember(s, s.pool.QueryRow(ctx, "SELECT record, xmin, "+expires+" FROM "+t.name+cond, args...))
}

// remember decodes a row of (record, xmin, expires_at) and remembers it
// under its record's key for the next update (seenRows). A list's rows
// are remembered through it too (rememberAll).
func (t table[T]) remember(s *base, row pgx.Row) (T, error) {
	var sn seen
	if err := row.Scan(&sn.raw, &sn.version, &sn.expires); err != nil {
		var v T
		if errors.Is(err, pgx.ErrNoRows) {
			return v, t.notFound()
		}
		return v, s.fail(err)
	}
	v, err := t.decode(sn.raw)
	if err == nil {
		s.seen.put(t.name, t.keyOf(v), sn)
	}
	return v, err
}

// rememberAll is queryRecords for a query whose columns are record and
// xmin, remembering every row (rememberAll's kinds never expire).
func (t table[T]) rememberAll(ctx context.Context, s *base, sql string, args ...any) ([]T, error) {
	return collect(ctx, s, func(row pgx.CollectableRow) (T, error) {
		var sn seen
		if err := row.Scan(&sn.raw, &sn.version); err != nil {
			var v T
			return v, err
		}
		v, err := t.decode(sn.raw)
		if err == nil {
			s.seen.put(t.name, t.keyOf(v), sn)
		}
		return v, err
	}, sql, args...)
}

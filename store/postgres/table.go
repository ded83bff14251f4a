package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// table describes how records of one kind are stored: the SQL table, its
// key column, and the index columns written beside the JSON record.
type table[T any] struct {
	noun string // for error messages
	name string // SQL table
	key  string // key column
	// keyOf is the key of a record: a string for text keys, a []byte for
	// bytea keys.
	keyOf func(T) any
	// cols and vals are the index columns and their values for a record,
	// written on insert and on every update.
	cols []string
	vals func(T) []any
	// transient kinds read, update and delete as missing once expired.
	transient bool
	// decoded, when set, spares decoding a record whose bytes were
	// decoded before (store/internal/decoded).
	decoded *decoded.Cache[T]
}

// notFound is the error for a missing (or expired) record.
func (t table[T]) notFound() error {
	return fmt.Errorf("store/postgres: %s: %w", t.noun, store.ErrNotFound)
}

// where selects the record at $1, and for a transient kind only while it
// lives at $2; args are the matching arguments.
func (t table[T]) where(key any, now time.Time) (string, []any) {
	if t.transient {
		return fmt.Sprintf(" WHERE %s = $1 AND %s", t.key, live(2)), []any{key, now}
	}
	return fmt.Sprintf(" WHERE %s = $1", t.key), []any{key}
}

// load reads the live record at key, locking its row for the rest of the
// transaction when forUpdate is set.
func (t table[T]) load(ctx context.Context, q querier, key any, now time.Time, forUpdate bool) (T, error) {
	cond, args := t.where(key, now)
	sql := "SELECT record FROM " + t.name + cond
	if forUpdate {
		sql += " FOR UPDATE"
	}
	return t.scan(q.QueryRow(ctx, sql, args...))
}

// oneFrom scans the one record a query on the pool returns, naming the
// database in an error that is not a contract answer.
func oneFrom[T any](s *base, row pgx.Row, noun string) (T, error) {
	v, err := scanOne[T](row, noun)
	return v, s.fail(err)
}

// get is the whole of a Get method.
func (t table[T]) get(ctx context.Context, s *base, key any) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := t.load(ctx, s.pool, key, s.now(), false)
	return v, s.fail(err)
}

// insert adds a record; a duplicate key or index value is ErrAlreadyExists.
func (t table[T]) insert(ctx context.Context, q querier, v T) error {
	cols, args, err := t.row(v)
	if err != nil {
		return err
	}
	sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.name, cols, placeholders(1, len(args)))
	_, err = q.Exec(ctx, sql, args...)
	return contractError(err, t.noun, store.ErrAlreadyExists)
}

// row is what an insert of v writes: its column list (key, index
// columns, record) and their values, in order.
func (t table[T]) row(v T) (cols string, args []any, err error) {
	if isEmpty(t.keyOf(v)) {
		return "", nil, fmt.Errorf("store/postgres: %s has an empty key", t.noun)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("store/postgres: encode %s: %w", t.noun, err)
	}
	names := append(append([]string{t.key}, t.cols...), "record")
	args = append(append([]any{t.keyOf(v)}, t.vals(v)...), raw)
	return strings.Join(names, ", "), args, nil
}

// create is the whole of a Create method for kinds without side tables.
func (t table[T]) create(ctx context.Context, s *base, v T) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.fail(t.insert(ctx, s.pool, v))
}

// write replaces the record at key and its index columns; a duplicate
// index value is ErrConflict.
func (t table[T]) write(ctx context.Context, q querier, key any, v T) error {
	_, err := t.writeIf(ctx, q, key, v, nil)
	return err
}

// writeIf is write, only while the row is at version (its xmin) when
// version is set: written reports whether it was.
func (t table[T]) writeIf(ctx context.Context, q querier, key any, v T, version *uint32) (written bool, err error) {
	sql, args, err := t.rewrite(1, key, v, version)
	if err != nil {
		return false, err
	}
	tag, err := q.Exec(ctx, sql, args...)
	return tag.RowsAffected() == 1, contractError(err, t.noun, store.ErrConflict)
}

// rewrite is the UPDATE of writeIf and its arguments, numbered from
// $first (1 for a statement of its own).
func (t table[T]) rewrite(first int, key any, v T, version *uint32) (sql string, args []any, err error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("store/postgres: encode %s: %w", t.noun, err)
	}
	sets := make([]string, 0, len(t.cols)+1)
	for i, c := range slices.Concat(t.cols, []string{"record"}) {
		sets = append(sets, fmt.Sprintf("%s = $%d", c, first+i+1))
	}
	args = append(append([]any{key}, t.vals(v)...), raw)
	sql = fmt.Sprintf("UPDATE %s SET %s WHERE %s = $%d", t.name, strings.Join(sets, ", "), t.key, first)
	if version != nil {
		args = append(args, *version)
		sql += fmt.Sprintf(" AND xmin = $%d", first+len(args)-1)
	}
	return sql, args, nil
}

// swapTries is how many times update tries a compare-and-swap before it
// takes the row lock instead.
const swapTries = 3

// update is the whole of an Update method: read, apply fn, keep the key,
// write; fn's error comes back unwrapped and nothing is written. Without
// side tables (before is nil) it first tries a compare-and-swap (swap)
// up to swapTries times; with them, it runs one transaction (locked).
func (t table[T]) update(ctx context.Context, s *base, key any, fn func(T) (T, error), before func(context.Context, pgx.Tx, T, T) error) error {
	if before != nil {
		return t.locked(ctx, s, key, fn, before)
	}
	return t.swapThenLock(ctx, s, key, fn, func(ctx context.Context, _, v T, version uint32) (bool, error) {
		return t.writeIf(ctx, s.pool, key, v, &version)
	}, nil)
}

// swapThenLock tries a compare-and-swap up to swapTries times, each
// writing through write (which reports whether the row was still at
// version), and after that, or as soon as write returns errNeedsLock,
// runs the transaction of locked. When a read remembered the row
// (getSeen, seen.go), a first swap starts from it without reading.
func (t table[T]) swapThenLock(ctx context.Context, s *base, key any, fn func(T) (T, error),
	write func(ctx context.Context, old, v T, version uint32) (bool, error), before func(context.Context, pgx.Tx, T, T) error) error {
	tries := swapTries
	var from *seen
	if row, ok := s.seen.take(t.name, key, s.now()); ok {
		from = &row
		tries++
	}
	for range tries {
		done, err := t.swap(ctx, s, key, fn, write, from)
		from = nil
		if errors.Is(err, errNeedsLock) {
			break
		}
		if done || err != nil {
			return err
		}
	}
	return t.locked(ctx, s, key, fn, before)
}

// errNeedsLock is a swap's write giving up for the locked transaction.
var errNeedsLock = errors.New("store/postgres: this update needs the row lock")

// locked runs one transaction: lock the live row (SELECT ... FOR
// UPDATE), apply fn, let before (when set) maintain side tables, and
// write.
func (t table[T]) locked(ctx context.Context, s *base, key any, fn func(T) (T, error), before func(context.Context, pgx.Tx, T, T) error) error {
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := t.load(ctx, tx, key, s.now(), true)
		if err != nil {
			return err
		}
		v, err := fn(old)
		if err != nil {
			return err
		}
		if !sameKey(t.keyOf(v), key) {
			return t.keyChanged()
		}
		if before != nil {
			if err := before(ctx, tx, old, v); err != nil {
				return err
			}
		}
		return t.write(ctx, tx, key, v)
	})
}

func (t table[T]) keyChanged() error {
	return fmt.Errorf("store/postgres: %s: update may not change the key: %w", t.noun, store.ErrConflict)
}

// swap reads the live record with its row version (xmin) without a lock,
// applies fn, and writes the result only if the row is still at that
// version: each statement commits alone, so a sign-in's update is two
// round trips instead of four (BEGIN, SELECT ... FOR UPDATE, UPDATE,
// COMMIT), and one when from is the row a read remembered. done is false
// when another write came between the read and the write.
func (t table[T]) swap(ctx context.Context, s *base, key any, fn func(T) (T, error),
	write func(ctx context.Context, old, v T, version uint32) (bool, error), from *seen) (done bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var row seen
	if from != nil {
		row = *from
	} else {
		cond, args := t.where(key, s.now())
		err = s.pool.QueryRow(ctx, "SELECT record, xmin FROM "+t.name+cond, args...).Scan(&row.raw, &row.version)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return true, t.notFound()
	}
	if err != nil {
		return true, s.fail(err)
	}
	raw, version := row.raw, row.version
	old, err := t.decode(raw)
	if err != nil {
		return true, err
	}
	v, err := fn(old)
	if err != nil {
		return true, err
	}
	if !sameKey(t.keyOf(v), key) {
		return true, t.keyChanged()
	}
	written, err := write(ctx, old, v, version)
	return written || err != nil, s.fail(err)
}

// remove is the whole of a Delete method. An expired transient record is
// reported missing and left for Sweep.
func (t table[T]) remove(ctx context.Context, s *base, key any) error {
	cond, args := t.where(key, s.now())
	tag, err := s.exec(ctx, "DELETE FROM "+t.name+cond, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return t.notFound()
	}
	return nil
}

// list returns the records a query selects (its only column: record).
func (t table[T]) list(ctx context.Context, s *base, sql string, args ...any) ([]T, error) {
	return queryRecords[T](ctx, s, t.noun, sql, args...)
}

// queryRecords runs a query whose only column is record and decodes
// every row.
func queryRecords[T any](ctx context.Context, s *base, noun, sql string, args ...any) ([]T, error) {
	return collect(ctx, s, func(row pgx.CollectableRow) (T, error) {
		return scanOne[T](row, noun)
	}, sql, args...)
}

// collect runs a query and returns what scan makes of each row.
func collect[T any](ctx context.Context, s *base, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.fail(err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if len(out) == 0 {
		return nil, s.fail(err) // nil, not empty, as the bolt backend returns
	}
	return out, s.fail(err)
}

// placeholders returns "$from, ..., $(from+n-1)".
func placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ps, ", ")
}

// isEmpty reports whether a key is the empty string or empty bytes.
func isEmpty(key any) bool {
	switch k := key.(type) {
	case string:
		return k == ""
	case []byte:
		return len(k) == 0
	}
	return key == nil
}

// sameKey compares two keys of the same table.
func sameKey(a, b any) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

// nullBytes is the column value of an optional bytea index: NULL when
// empty, so a unique constraint ignores it.
func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullString is the column value of an optional text index: NULL when
// empty, so a unique constraint ignores it.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

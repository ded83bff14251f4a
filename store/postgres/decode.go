package postgres

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// scanOne decodes the record column of one row; no row is ErrNotFound.
func scanOne[T any](row pgx.Row, noun string) (T, error) {
	return table[T]{noun: noun}.scan(row)
}

// scan decodes the record column of one row; no row is ErrNotFound.
func (t table[T]) scan(row pgx.Row) (T, error) {
	var raw []byte
	if err := row.Scan(&raw); err != nil {
		var v T
		if errors.Is(err, pgx.ErrNoRows) {
			return v, t.notFound()
		}
		return v, err
	}
	return t.decode(raw)
}

// decode is the record stored as raw, through the kind's decoded cache
// when it has one.
func (t table[T]) decode(raw []byte) (T, error) {
	if t.decoded == nil {
		return decode[T](raw, t.noun)
	}
	v, err := t.decoded.Decode(raw)
	if err != nil {
		return v, fmt.Errorf("store/postgres: decode %s: %w", t.noun, err)
	}
	return v, nil
}

// decode is the record stored as raw, a noun. A record with a JSON
// method of its own (store.AuthRequest) decodes through it directly: it
// validates the text itself, and json.Unmarshal would first scan the
// whole text once more.
func decode[T any](raw []byte, noun string) (T, error) {
	var v T
	var err error
	if u, ok := any(&v).(json.Unmarshaler); ok {
		err = u.UnmarshalJSON(raw)
	} else {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		return v, fmt.Errorf("store/postgres: decode %s: %w", noun, err)
	}
	return v, nil
}

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

// decode is the record stored as raw: through the kind's decoded cache
// when it has one, else directly. A record with a JSON method of its own
// (store.AuthRequest) decodes through it: it validates the text itself,
// and json.Unmarshal would first scan the whole text once more.
func (t table[T]) decode(raw []byte) (v T, err error) {
	switch u, ok := any(&v).(json.Unmarshaler); {
	case t.decoded != nil:
		v, err = t.decoded.Decode(raw)
	case ok:
		err = u.UnmarshalJSON(raw)
	default:
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		return v, fmt.Errorf("store/postgres: decode %s: %w", t.noun, err)
	}
	return v, nil
}

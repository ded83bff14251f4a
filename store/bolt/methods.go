package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// The generic bodies of the roles' methods over a kind (records.go): each
// is the whole of a Get, Create, Update, Delete or List method, its
// transaction included, for the kinds that need nothing more.

// get is the whole of a Get method: one read transaction, expiry applied.
func get[T any](ctx context.Context, s *base, k kind[T], key []byte) (T, error) {
	var v T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		v, err = getLive(s, tx, k, key)
		return err
	})
	return v, err
}

// getByIndex is the whole of a Get method through a unique index, which
// maps value to the record's primary key. An empty value is never indexed:
// it finds nothing.
func getByIndex[T any](ctx context.Context, s *base, k kind[T], index, value []byte) (T, error) {
	var v T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if len(value) == 0 {
			return k.notFound()
		}
		id := tx.Bucket(index).Get(value)
		if id == nil {
			return k.notFound()
		}
		var err error
		v, err = getLive(s, tx, k, id)
		return err
	})
	return v, err
}

// create is the whole of a Create method for kinds without indexes.
func create[T any](ctx context.Context, s *base, k kind[T], v T) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, k, v); err != nil {
			return err
		}
		return save(tx, k, v)
	})
}

// update is the whole of an Update method: read the live record, apply fn,
// keep the primary key, let reindex move index entries (it may refuse, but
// only before it writes), and save.
func update[T any](ctx context.Context, s *base, k kind[T], key []byte, fn func(T) (T, error), reindex func(tx *bbolt.Tx, old, new T) error) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		old, err := getLive(s, tx, k, key)
		if err != nil {
			return refuse(err)
		}
		v, err := fn(old)
		if err != nil {
			return refuse(err)
		}
		if !bytes.Equal(k.key(v), key) {
			return refuse(fmt.Errorf("store/bolt: %s: update may not change the key: %w", k.name, store.ErrConflict))
		}
		if reindex != nil {
			if err := reindex(tx, old, v); err != nil {
				return err
			}
		}
		if k.unchanged != nil && k.unchanged(tx.Bucket(k.bucket).Get(key), v) {
			return nil
		}
		return saveOver(tx, k, &old, v)
	})
}

// remove is the whole of a Delete method for kinds without indexes. An
// expired record is reported missing and left for Sweep.
func remove[T any](ctx context.Context, s *base, k kind[T], key []byte) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		v, err := getLive(s, tx, k, key)
		if err != nil {
			return refuse(err)
		}
		return drop(tx, k, v)
	})
}

// list decodes every record of a kind, in key order.
func list[T any](ctx context.Context, s *base, k kind[T]) ([]T, error) {
	var out []T
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		return tx.Bucket(k.bucket).ForEach(func(_, raw []byte) error {
			v, err := k.decode(tx, raw, false)
			if err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	})
	return out, err
}

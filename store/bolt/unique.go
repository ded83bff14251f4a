package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// unique is a kind's secondary key that no two records may share (a
// legacy account's folded username, a record's key), indexed in its own
// bucket as value → primary key.
type unique[T any] struct {
	index []byte
	value func(T) []byte
}

// putAll writes every record of list in one transaction, replacing the
// record stored under the same primary key. It checks every record first,
// so a refused list writes nothing: an invalid one, or a unique value
// another record holds, stored or earlier in list (ErrConflict).
func putAll[T any](ctx context.Context, s *base, k kind[T], u unique[T], list []T, validate func(T) error) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		holder := map[string][]byte{} // unique value → primary key, in list
		for _, v := range list {
			if err := validate(v); err != nil {
				return refuse(fmt.Errorf("store/bolt: %w", err))
			}
			val := string(u.value(v))
			held, ok := holder[val]
			if !ok {
				held = tx.Bucket(u.index).Get([]byte(val))
			}
			if held != nil && !bytes.Equal(held, k.key(v)) {
				return refuse(fmt.Errorf("store/bolt: %s: a unique value is another's: %w", k.name, store.ErrConflict))
			}
			holder[val] = k.key(v)
		}
		idx := tx.Bucket(u.index)
		for _, v := range list {
			old, ok, err := load(tx, k, k.key(v))
			if err != nil {
				return err
			}
			if ok {
				if err := idx.Delete(u.value(old)); err != nil {
					return err
				}
			}
			if err := idx.Put(u.value(v), k.key(v)); err != nil {
				return err
			}
			if err := save(tx, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// createLinkTo stores v, a link of an account to a target record: v's own
// key must be new, the target (targetKey in targetBucket) must exist
// (ErrNotFound), and no other link may hold it (u, ErrAlreadyExists).
func createLinkTo[T any](ctx context.Context, s *base, k kind[T], v T, targetBucket, targetKey []byte, u unique[T]) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, k, v); err != nil {
			return err
		}
		if tx.Bucket(targetBucket).Get(targetKey) == nil {
			return refuse(fmt.Errorf("store/bolt: %s names a missing record: %w", k.name, store.ErrNotFound))
		}
		idx := tx.Bucket(u.index)
		if idx.Get(u.value(v)) != nil {
			return refuse(fmt.Errorf("store/bolt: %s: the record is linked: %w", k.name, store.ErrAlreadyExists))
		}
		if err := idx.Put(u.value(v), k.key(v)); err != nil {
			return err
		}
		return save(tx, k, v)
	})
}

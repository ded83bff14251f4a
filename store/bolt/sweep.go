package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Sweep deletes every auth request, session, grant, signing key,
// one-time code, rate-counter window and unconfirmed local user whose
// ExpiresAt is before now, with their index entries (for a grant, every
// refresh hash it ever had; for a local user, its username and email),
// and returns how many records it deleted. Audit events and factors are
// never swept. It is one transaction: a crash leaves all or none of it done.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		n = 0
		for _, sweep := range []func(*bbolt.Tx, time.Time) (int, error){
			sweepKind(authRequests, nil),
			sweepKind(sessions, deleteSession),
			sweepKind(grants, deleteGrant),
			sweepKind(signingKeys, nil),
			sweepKind(otps, nil),
			sweepKind(hits, nil),
			sweepLocalUsers,
		} {
			deleted, err := sweep(tx, now)
			if err != nil {
				return err
			}
			n += deleted
		}
		return nil
	})
	return n, err
}

// sweepKind returns a pass over one kind's bucket that deletes expired
// records with del, or with a plain delete when del is nil.
func sweepKind[T any](k kind[T], del func(*bbolt.Tx, T) error) func(*bbolt.Tx, time.Time) (int, error) {
	return func(tx *bbolt.Tx, now time.Time) (int, error) {
		// Decode only the expiry while scanning; every record
		// kind carries it under the same JSON name.
		var expired [][]byte
		err := tx.Bucket(k.bucket).ForEach(func(key, raw []byte) error {
			var e struct {
				ExpiresAt time.Time `json:"expires_at"`
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("store/bolt: sweep %s: %w", k.name, err)
			}
			if isExpired(e.ExpiresAt, now) {
				expired = append(expired, bytes.Clone(key))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, key := range expired {
			if err := deleteRecord(tx, k, key, del); err != nil {
				return 0, err
			}
		}
		return len(expired), nil
	}
}

// deleteRecord deletes the record at key through del, or directly.
func deleteRecord[T any](tx *bbolt.Tx, k kind[T], key []byte, del func(*bbolt.Tx, T) error) error {
	if del == nil {
		return tx.Bucket(k.bucket).Delete(key)
	}
	v, _, err := load(tx, k, key)
	if err != nil {
		return err
	}
	return del(tx, v)
}

package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// SweepBatch bounds the work of one Sweep transaction: it deletes records
// until it has deleted this many keys (records and their index entries),
// then commits, so the writes of the hot path run between two batches
// instead of waiting for the whole sweep.
const SweepBatch = 500

// Sweep deletes every auth request, session, grant, signing key,
// one-time code, rate-counter window and unconfirmed local user whose
// expiry is before now, with their index entries (for a grant, every
// refresh hash it ever had; for a local user, its username and email),
// and returns how many records it deleted. It reads only the expired
// prefix of idx_expiry, and works in transactions of about SweepBatch
// deletions each: a crash leaves a prefix of the work done, and the next
// Sweep does the rest. Factors are never swept.
//
// With a Retention (Options), Sweep also deletes the audit events older
// than its AuditEvents and forgets the refresh hashes rotated away longer
// than its RefreshHistory ago, in batches of the same size; the audit
// events count in the result.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	// The retention applies to the queued audit events too.
	if err := s.audit.Flush(ctx); err != nil {
		return 0, err
	}
	total := s.authRequests.sweep(now)
	for {
		n, more, err := s.sweepBatch(ctx, now, SweepBatch)
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			break
		}
	}
	n, err := s.sweepRetained(ctx, now)
	return total + n, err
}

// sweepBatch deletes expired records in one write transaction until it
// has deleted about limit keys; more reports that expired entries remain.
func (s *Store) sweepBatch(ctx context.Context, now time.Time, limit int) (n int, more bool, err error) {
	end := timeKey(now)
	err = s.write(ctx, func(tx *bbolt.Tx) error {
		n, more = 0, false
		var due [][]byte
		c := tx.Bucket(indexExpiry).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], end) < 0; k, _ = c.Next() {
			if len(due) == limit {
				more = true
				break
			}
			due = append(due, bytes.Clone(k))
		}
		work := 0
		for _, entry := range due {
			if work >= limit {
				more = true
				break
			}
			deleted, keys, err := sweepEntry(tx, entry)
			if err != nil {
				return err
			}
			n += deleted
			work += keys
		}
		return nil
	})
	return n, more, err
}

// sweepEntry deletes the record an idx_expiry entry names, with its index
// entries, and returns how many records (0 or 1) and how many keys it
// deleted. An entry whose record is missing or no longer due at the
// entry's time is deleted alone (it cannot happen while every write goes
// through save, saveOver and drop; Sweep heals it all the same).
func sweepEntry(tx *bbolt.Tx, entry []byte) (records, keys int, err error) {
	if len(entry) <= timeKeyLen {
		return 0, 0, fmt.Errorf("store/bolt: sweep: malformed expiry entry %x", entry)
	}
	at, tag, key := entry[:timeKeyLen], entry[timeKeyLen], entry[timeKeyLen+1:]
	var gone bool
	switch tag {
	case authRequests.tag:
		gone, keys, err = sweepRecord(tx, authRequests, at, key, nil)
	case sessions.tag:
		gone, keys, err = sweepRecord(tx, sessions, at, key, counted(deleteSession, 3))
	case grants.tag:
		gone, keys, err = sweepRecord(tx, grants, at, key, deleteGrant)
	case signingKeys.tag:
		gone, keys, err = sweepRecord(tx, signingKeys, at, key, nil)
	case otps.tag:
		gone, keys, err = sweepRecord(tx, otps, at, key, nil)
	case hits.tag:
		gone, keys, err = sweepRecord(tx, hits, at, key, nil)
	case localUsers.tag:
		gone, keys, err = sweepRecord(tx, localUsers, at, key, counted(deleteLocalUser, 4))
	default:
		return 0, 0, fmt.Errorf("store/bolt: sweep: expiry entry of unknown kind %q", tag)
	}
	if err != nil {
		return 0, 0, err
	}
	if !gone {
		return 0, 1, tx.Bucket(indexExpiry).Delete(entry)
	}
	return 1, keys, nil
}

// sweepRecord deletes the record at key through del (which deletes its
// index entries too and returns how many keys it deleted in all), or
// with drop when del is nil. It deletes nothing and reports gone false
// when the record is missing or its sweep time is not at.
func sweepRecord[T any](tx *bbolt.Tx, k kind[T], at, key []byte, del func(*bbolt.Tx, T) (int, error)) (gone bool, keys int, err error) {
	v, ok, err := load(tx, k, key)
	if err != nil || !ok {
		return false, 0, err
	}
	if due := k.sweepAt(v); due.IsZero() || !bytes.Equal(timeKey(due), at) {
		return false, 0, nil
	}
	if del == nil {
		return true, 2, drop(tx, k, v)
	}
	keys, err = del(tx, v)
	return true, keys, err
}

// counted adapts a delete function that removes a fixed number of keys.
func counted[T any](del func(*bbolt.Tx, T) error, keys int) func(*bbolt.Tx, T) (int, error) {
	return func(tx *bbolt.Tx, v T) (int, error) { return keys, del(tx, v) }
}

// markExpiry lists key of the kind tagged tag in idx_expiry at time at;
// a zero at is never swept and not listed.
func markExpiry(tx *bbolt.Tx, tag byte, at time.Time, key []byte) error {
	if tag == 0 || at.IsZero() {
		return nil
	}
	return mark(tx, indexExpiry, expiryKey(tag, at, key))
}

// unmarkExpiry deletes the entry markExpiry put.
func unmarkExpiry(tx *bbolt.Tx, tag byte, at time.Time, key []byte) error {
	if tag == 0 || at.IsZero() {
		return nil
	}
	return tx.Bucket(indexExpiry).Delete(expiryKey(tag, at, key))
}

// expiryKey is an idx_expiry key: timeKey(at), the kind's tag, the
// record's primary key. Byte order is expiry order, so the expired
// entries are the prefix before timeKey(now).
func expiryKey(tag byte, at time.Time, key []byte) []byte {
	out := make([]byte, 0, timeKeyLen+1+len(key))
	out = append(out, timeKey(at)...)
	out = append(out, tag)
	return append(out, key...)
}

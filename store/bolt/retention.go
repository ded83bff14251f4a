package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// sweepRetained deletes, in transactions of at most SweepBatch keys, the
// audit events older than the retention's audit cutoff and the refresh
// hashes rotated away before its refresh cutoff. It returns how many
// audit events it deleted; forgotten refresh hashes are not records and
// are not counted.
func (s *Store) sweepRetained(ctx context.Context, now time.Time) (int, error) {
	audit, refresh := s.retention.Cutoffs(now)
	total := 0
	for _, pass := range []struct {
		cutoff time.Time
		batch  func(*bbolt.Tx, []byte, int) (int, bool, error)
		count  bool
	}{
		{audit, sweepAuditBatch, true},
		{refresh, sweepRetiredBatch, false},
	} {
		if pass.cutoff.IsZero() {
			continue
		}
		end := timeKey(pass.cutoff)
		for more := true; more; {
			var n int
			err := s.write(ctx, func(tx *bbolt.Tx) error {
				var err error
				n, more, err = pass.batch(tx, end, SweepBatch)
				return err
			})
			if err != nil {
				return total, err
			}
			if pass.count {
				total += n
			}
		}
	}
	return total, nil
}

// firstBefore returns up to limit keys of bucket that sort before end,
// from the first; more is true when there are further ones.
func firstBefore(tx *bbolt.Tx, bucket, end []byte, limit int) (keys [][]byte, more bool) {
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		if len(keys) == limit {
			return keys, true
		}
		keys = append(keys, bytes.Clone(k))
	}
	return keys, false
}

// sweepAuditBatch deletes up to limit/2 audit events older than end (a
// timeKey) with their idx_audit_by_id entries.
func sweepAuditBatch(tx *bbolt.Tx, end []byte, limit int) (int, bool, error) {
	keys, more := firstBefore(tx, bucketAudit, end, limit/2)
	for _, k := range keys {
		if err := tx.Bucket(indexAuditByID).Delete(k[timeKeyLen:]); err != nil {
			return 0, false, err
		}
		if err := tx.Bucket(bucketAudit).Delete(k); err != nil {
			return 0, false, err
		}
	}
	return len(keys), more, nil
}

// sweepRetiredBatch forgets up to limit/3 refresh hashes rotated away
// before end (a timeKey): their entries in idx_grant_by_refresh,
// idx_refresh_by_grant and idx_refresh_retired.
func sweepRetiredBatch(tx *bbolt.Tx, end []byte, limit int) (int, bool, error) {
	keys, more := firstBefore(tx, indexRefreshRetired, end, limit/3)
	for _, k := range keys {
		grantID, hash, err := parseRetired(k)
		if err != nil {
			return 0, false, err
		}
		if owner := tx.Bucket(indexGrantByRefresh).Get(hash); bytes.Equal(owner, grantID) {
			if err := tx.Bucket(indexGrantByRefresh).Delete(hash); err != nil {
				return 0, false, err
			}
		}
		if err := tx.Bucket(indexRefreshByGrant).Delete(ownedKey(string(grantID), hash)); err != nil {
			return 0, false, err
		}
		if err := tx.Bucket(indexRefreshRetired).Delete(k); err != nil {
			return 0, false, err
		}
	}
	return len(keys), more, nil
}

// retiredKey is an idx_refresh_retired key: timeKey(rotated away), then
// (grant ID), then the hash.
func retiredKey(at []byte, grantID string, hash []byte) []byte {
	return append(part(bytes.Clone(at), []byte(grantID)), hash...)
}

// parseRetired splits a retiredKey into the grant ID and the hash.
func parseRetired(k []byte) (grantID, hash []byte, err error) {
	rest := k[min(len(k), timeKeyLen):]
	n, w := binary.Uvarint(rest)
	if w <= 0 || uint64(len(rest)-w) < n {
		return nil, nil, fmt.Errorf("store/bolt: malformed retired refresh entry %x", k)
	}
	return rest[w : w+int(n)], rest[w+int(n):], nil
}

// retire records that the grant's refresh hash was rotated away at: the
// value of its idx_refresh_by_grant entry becomes timeKey(at), and
// idx_refresh_retired lists it under that time.
func retire(tx *bbolt.Tx, grantID string, hash []byte, at time.Time) error {
	if len(hash) == 0 {
		return nil
	}
	stamp := timeKey(at)
	if err := tx.Bucket(indexRefreshByGrant).Put(ownedKey(grantID, hash), stamp); err != nil {
		return err
	}
	return mark(tx, indexRefreshRetired, retiredKey(stamp, grantID, hash))
}

// unretire deletes the idx_refresh_retired entry of a hash the grant
// retired, if any (a file written before retention has none).
func unretire(tx *bbolt.Tx, grantID string, hash []byte) error {
	stamp := tx.Bucket(indexRefreshByGrant).Get(ownedKey(grantID, hash))
	if len(stamp) != timeKeyLen {
		return nil
	}
	return tx.Bucket(indexRefreshRetired).Delete(retiredKey(stamp, grantID, hash))
}

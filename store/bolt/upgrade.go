package bolt

import (
	"encoding/json"
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"
)

// upgrades[v-1] brings a file from schema version v to v+1, inside Open's
// transaction: a file is upgraded completely or not at all. Append one per
// SchemaVersion bump; the chain runs from the file's version up.
var upgrades = []func(tx *bbolt.Tx) error{
	// 1 → 2: idx_expiry lists every record Sweep may delete.
	indexExpiries,
}

// upgrade runs the upgrades from version to SchemaVersion and records the
// new version.
func upgrade(tx *bbolt.Tx, meta *bbolt.Bucket, version int, path string) error {
	if len(upgrades) != SchemaVersion-1 {
		return fmt.Errorf("store/bolt: %d upgrades for schema version %d", len(upgrades), SchemaVersion)
	}
	if version == SchemaVersion {
		return nil
	}
	for v := version; v < SchemaVersion; v++ {
		if err := upgrades[v-1](tx); err != nil {
			return fmt.Errorf("store file %s: upgrading schema version %d to %d: %w", path, v, v+1, err)
		}
	}
	if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return fmt.Errorf("store file %s: %w", path, err)
	}
	return nil
}

// indexExpiries (re)builds idx_expiry from the records of every swept kind.
func indexExpiries(tx *bbolt.Tx) error {
	for _, index := range []func(*bbolt.Tx) error{
		indexKind(authRequests), indexKind(sessions), indexKind(grants),
		indexKind(signingKeys), indexKind(otps), indexKind(hits),
		indexKind(localUsers),
	} {
		if err := index(tx); err != nil {
			return err
		}
	}
	return nil
}

// indexKind returns a pass that lists every record of k in idx_expiry.
func indexKind[T any](k kind[T]) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		return tx.Bucket(k.bucket).ForEach(func(key, raw []byte) error {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("decode %s: %w", k.name, err)
			}
			return markExpiry(tx, k.tag, k.sweepAt(v), key)
		})
	}
}

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
	// 2 → 3: client records take store.Client's metadata names.
	upgradeClientNames,
	// 3 → 4: refresh hashes written from now on are found under their
	// grant only, not in idx_grant_by_refresh (indexRefresh).
	legacyRefreshIndex,
	// 4 → 5: a grant's current refresh hash, once rotated, is kept in
	// idx_refresh_by_grant, not in its record (currentRefresh).
	currentRefreshOutside,
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

// legacyRefreshIndex converts nothing: what idx_grant_by_refresh holds
// stays, for the tokens that do not name their grant. The version bump
// is what it is for: an earlier Passerelle looks every refresh token up
// in that index, and would take the ones written from now on for unknown
// (no reuse detected, a revocation answered and not done), so it refuses
// the file instead.
func legacyRefreshIndex(*bbolt.Tx) error { return nil }

// currentRefreshOutside converts nothing: a grant without a current
// entry in idx_refresh_by_grant has its current hash in its record, as
// every grant had before. The bump keeps an earlier Passerelle from
// opening a file in which a rotated grant's record holds a hash rotated
// away: it would take that token for the current one (no reuse
// detected, the thief's refresh accepted, the holder's refused).
func currentRefreshOutside(*bbolt.Tx) error { return nil }

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

// upgradeClientNames renames the fields of client records to the client
// metadata names store.Client shares with the configuration file and the
// admin API: auth_method becomes token_endpoint_auth_method, id_token_alg
// becomes id_token_signed_response_alg, and mfa_factors,
// mfa_every_sign_in and default_acr become mfa.factors,
// mfa.every_sign_in and mfa.acr.
func upgradeClientNames(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketClients)
	type kv struct{ k, v []byte }
	var out []kv
	err := b.ForEach(func(k, v []byte) error {
		nv, err := renameClientFields(v)
		if err != nil {
			return fmt.Errorf("client %q: %w", k, err)
		}
		out = append(out, kv{append([]byte(nil), k...), nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range out {
		if err := b.Put(r.k, r.v); err != nil {
			return err
		}
	}
	return nil
}

// renameClientFields rewrites one client record of schema version 2 or
// earlier.
func renameClientFields(raw []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	move := func(from, to string, into map[string]json.RawMessage) {
		if v, ok := m[from]; ok {
			into[to] = v
			delete(m, from)
		}
	}
	move("auth_method", "token_endpoint_auth_method", m)
	move("id_token_alg", "id_token_signed_response_alg", m)
	mfa := map[string]json.RawMessage{}
	move("mfa_factors", "factors", mfa)
	move("mfa_every_sign_in", "every_sign_in", mfa)
	move("default_acr", "acr", mfa)
	if len(mfa) > 0 {
		enc, err := json.Marshal(mfa)
		if err != nil {
			return nil, err
		}
		m["mfa"] = enc
	}
	return json.Marshal(m)
}

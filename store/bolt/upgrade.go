package bolt

import (
	"encoding/json"
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"
)

// upgrades bring a file from one schema version to the next: upgrades[v]
// turns version v into v+1. Open runs each one the file needs, in order,
// in the same transaction that checks the version, and records the new
// version there: a crash leaves the file at the old version, untouched.
var upgrades = map[int]func(*bbolt.Tx) error{
	1: upgradeClientNames,
}

// upgrade runs the upgrades from version to SchemaVersion.
func upgrade(tx *bbolt.Tx, meta *bbolt.Bucket, path string, version int) error {
	for v := version; v < SchemaVersion; v++ {
		up, ok := upgrades[v]
		if !ok {
			return fmt.Errorf("store file %s: no upgrade from schema version %d", path, v)
		}
		if err := up(tx); err != nil {
			return fmt.Errorf("store file %s: upgrade from schema version %d: %w", path, v, err)
		}
		if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(v+1))); err != nil {
			return fmt.Errorf("store file %s: %w", path, err)
		}
	}
	return nil
}

// upgradeClientNames (version 1 to 2) renames the fields of client
// records to the client metadata names store.Client shares with the
// configuration file and the admin API: auth_method becomes
// token_endpoint_auth_method, id_token_alg becomes
// id_token_signed_response_alg, and mfa_factors, mfa_every_sign_in and
// default_acr become mfa.factors, mfa.every_sign_in and mfa.acr.
func upgradeClientNames(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketClients)
	if b == nil {
		return nil // a file so new it has no buckets yet
	}
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

// renameClientFields rewrites one version-1 client record.
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

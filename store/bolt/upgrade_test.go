package bolt

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// TestUpgradeClientNames: a version-2 file's client records read whole
// after Open upgrades the file.
func TestUpgradeClientNames(t *testing.T) {
	old := `{"id":"portal","secret_hash":"AAEC","auth_method":"client_secret_post","id_token_alg":"RS256",` +
		`"mfa_factors":["totp"],"mfa_every_sign_in":true,"default_acr":"loa3","redirect_uris":["https://rp.example/cb"]}`
	s := upgradedFrom(t, 2, func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketClients).Put([]byte("portal"), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket(bucketClients).Put([]byte("plain"), []byte(`{"id":"plain"}`))
	})
	c, err := s.GetClient(t.Context(), "portal")
	if err != nil || c.AuthMethod != "client_secret_post" || c.IDTokenAlg != "RS256" || len(c.SecretHash) != 3 ||
		!slices.Equal(c.MFA.Factors, []string{"totp"}) || !c.MFA.EverySignIn || c.MFA.ACR != "loa3" ||
		!slices.Equal(c.RedirectURIs, []string{"https://rp.example/cb"}) {
		t.Errorf("client written at version 2: %+v, %v", c, err)
	}
	if c, err := s.GetClient(t.Context(), "plain"); err != nil || c.ID != "plain" {
		t.Errorf("client without the renamed fields: %+v, %v", c, err)
	}
}

// TestUpgradeLegacyRefreshIndex: a file written before refresh hashes
// stopped being indexed by themselves (version 3) opens and keeps its
// legacy entries; it says version 4 after, so an earlier Passerelle,
// which would not find the hashes written from then on, refuses it.
func TestUpgradeLegacyRefreshIndex(t *testing.T) {
	legacy := store.HashToken("bare-secret")
	s := upgradedFrom(t, 3, func(tx *bbolt.Tx) error {
		g := store.Grant{ID: "g-old", AccountID: "a", RefreshHash: legacy, ExpiresAt: time.Now().Add(time.Hour)}
		if err := putGrant(tx, g); err != nil {
			return err
		}
		return tx.Bucket(indexGrantByRefresh).Put(legacy, []byte("g-old"))
	})
	if got, err := s.GetGrantByLegacyRefreshHash(t.Context(), legacy); err != nil || got.ID != "g-old" {
		t.Errorf("a legacy hash after the upgrade: grant %q, %v", got.ID, err)
	}
}

// upgradedFrom writes what write puts in a new file marked schema
// version from, and opens the file again, which upgrades it: the test
// fails unless it opens and then says SchemaVersion.
func upgradedFrom(t *testing.T, from int, write func(tx *bbolt.Tx) error) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(fmt.Sprint(from)))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatalf("Open a version-%d file: %v", from, err)
	}
	t.Cleanup(func() { s.Close() })
	var v string
	_ = s.db.View(func(tx *bbolt.Tx) error { v = string(tx.Bucket(bucketMeta).Get(keySchemaVersion)); return nil })
	if v != fmt.Sprint(SchemaVersion) {
		t.Errorf("schema version after the upgrade from %d: %q, want %d", from, v, SchemaVersion)
	}
	return s
}

// TestUpgradeCurrentRefreshOutside: a version-4 file's grant, whose
// record holds its current refresh hash and which has no current entry,
// reads that hash after the upgrade and rotates from it; the file says
// version 5 after, so an earlier Passerelle, which would read a rotated
// grant's record as current, refuses it.
func TestUpgradeCurrentRefreshOutside(t *testing.T) {
	h0, h1 := store.HashToken("r0"), store.HashToken("r1")
	s := upgradedFrom(t, 4, func(tx *bbolt.Tx) error {
		return putGrant(tx, store.Grant{ID: "g", AccountID: "a", RefreshHash: h0, ExpiresAt: time.Now().Add(time.Hour)})
	})
	ctx := t.Context()
	if g, err := s.GetGrant(ctx, "g"); err != nil || string(g.RefreshHash) != string(h0) {
		t.Fatalf("the grant after the upgrade: hash %x, %v; want %x", g.RefreshHash, err, h0)
	}
	if err := s.UpdateGrant(ctx, "g", func(g store.Grant) (store.Grant, error) {
		if string(g.RefreshHash) != string(h0) {
			return g, fmt.Errorf("current hash %x, want %x", g.RefreshHash, h0)
		}
		g.RefreshHash = h1
		return g, nil
	}); err != nil {
		t.Fatal(err)
	}
	if g, err := s.GetGrant(ctx, "g"); err != nil || string(g.RefreshHash) != string(h1) {
		t.Errorf("after a rotation: hash %x, %v; want %x", g.RefreshHash, err, h1)
	}
}

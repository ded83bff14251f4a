package bolt

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/bbolt"
)

// TestUpgradeClientNames: a version-2 file's client records read whole
// after Open upgrades the file, and the file says the current version.
func TestUpgradeClientNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := `{"id":"portal","secret_hash":"AAEC","auth_method":"client_secret_post","id_token_alg":"RS256",` +
		`"mfa_factors":["totp"],"mfa_every_sign_in":true,"default_acr":"loa3","redirect_uris":["https://rp.example/cb"]}`
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketClients).Put([]byte("portal"), []byte(old)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketClients).Put([]byte("plain"), []byte(`{"id":"plain"}`)); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open a version-2 file: %v", err)
	}
	defer s.Close()
	c, err := s.GetClient(t.Context(), "portal")
	if err != nil || c.AuthMethod != "client_secret_post" || c.IDTokenAlg != "RS256" || len(c.SecretHash) != 3 ||
		!slices.Equal(c.MFA.Factors, []string{"totp"}) || !c.MFA.EverySignIn || c.MFA.ACR != "loa3" ||
		!slices.Equal(c.RedirectURIs, []string{"https://rp.example/cb"}) {
		t.Errorf("client written at version 2: %+v, %v", c, err)
	}
	if c, err := s.GetClient(t.Context(), "plain"); err != nil || c.ID != "plain" {
		t.Errorf("client without the renamed fields: %+v, %v", c, err)
	}
	var v string
	_ = s.db.View(func(tx *bbolt.Tx) error { v = string(tx.Bucket(bucketMeta).Get(keySchemaVersion)); return nil })
	if v != fmt.Sprint(SchemaVersion) {
		t.Errorf("schema version after the upgrade: %q", v)
	}
}

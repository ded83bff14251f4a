package registry

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/saml"
)

// TestSAMLSection: a `saml:` section as the configuration file gives it
// (a raw map, durations as strings) is decoded strictly, validated with
// its paths, and opens a provider that serves routes of its own.
func TestSAMLSection(t *testing.T) {
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	keyFile, certFile := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)

	section := func(extra map[string]any) map[string]any {
		m := map[string]any{
			"idp_metadata_url": "https://idp.example/metadata",
			"keys":             []any{map[string]any{"key_file": keyFile, "cert_file": certFile}},
			"levels":           []any{saml.LoA2},
			"clock_skew":       "30s",
			"amr":              []any{"pwd"},
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	name := map[string]string{"en": "GCKey", "fr": "CléGC"}
	cfgs := []Config{{ID: "gckey", Type: "saml", Name: name, Sections: map[string]any{"saml": section(nil)}}}
	var ps validate.Problems
	Validate(cfgs, nil, &ps)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	if c := cfgs[0].Section().(*saml.Config); c.ClockSkew != 30*time.Second {
		t.Errorf("clock_skew decoded as %v", c.ClockSkew)
	}
	opened, err := Open(cfgs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := opened[0].Provider.(providers.RouteProvider); !ok {
		t.Error("a SAML provider serves its metadata and SLO routes")
	}
	if _, ok := opened[0].Provider.(providers.CallbackProvider); !ok {
		t.Error("a SAML provider is a CallbackProvider")
	}

	bad := []Config{{ID: "gckey", Type: "saml", Name: name,
		Sections: map[string]any{"saml": section(map[string]any{"unknown_key": 1})}}}
	ps = validate.Problems{}
	Validate(bad, nil, &ps)
	err = ps.Err()
	for _, want := range []string{"providers[0].saml.unknown_key: is not a known key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

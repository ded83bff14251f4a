package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/providers/registry"
	"github.com/passerelle/passerelle/providers/saml"
)

// demoSAMLID is the demo's GCKey-like SAML upstream.
const demoSAMLID = "gckey-saml"

var demoSAMLName = map[string]string{"en": "GCKey – SAML (demo)", "fr": "CléGC – SAML (démo)"}

// demoSAML builds the demo's SAML GCKey: a demonstration SAML IdP served
// at sideURL/gckey-saml/ (demoidp.SAMLServer: signed and encrypted
// assertions, persistent NameIDs, levels 1 and 2, Single Logout) and
// Passerelle's provider entry for it (providers/saml, asking for level
// 2, trusting only the IdP's signed metadata). The keys are kept in
// dataDir/saml, so the persistent NameIDs, and the accounts linked to
// them, survive a restart.
func demoSAML(dataDir, sideURL, issuer string, log io.Writer) (http.Handler, registry.Config, error) {
	dir := filepath.Join(dataDir, "saml")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, registry.Config{}, fmt.Errorf("demo SAML keys: %w", err)
	}
	idpKey, idpCert, idpFiles, err := demoKeyPair(dir, "idp")
	if err != nil {
		return nil, registry.Config{}, err
	}
	_, _, spFiles, err := demoKeyPair(dir, "sp")
	if err != nil {
		return nil, registry.Config{}, err
	}
	base := sideURL + "/" + demoSAMLID
	idp, err := demoidp.NewSAML(demoidp.SAMLConfig{BaseURL: base, Name: demoSAMLName, Users: demoUsers,
		SPMetadataURL: issuer + "/providers/" + demoSAMLID + "/metadata", Levels: []string{saml.LoA1, saml.LoA2},
		Key: idpKey, Certificate: idpCert, Log: log})
	if err != nil {
		return nil, registry.Config{}, err
	}
	pc := registry.Config{ID: demoSAMLID, Type: "saml", Name: demoSAMLName, Description: map[string]string{
		"en": "The same GCKey, reached through SAML, as federal departments connect to it.",
		"fr": "La même CléGC, jointe par SAML, comme les ministères fédéraux s’y connectent.",
	}, Sections: map[string]any{"saml": saml.Config{
		IDPMetadataURL: base + "/metadata", IDPMetadataSigningCert: idpFiles.CertFile,
		Keys: []saml.KeyPair{spFiles}, Levels: []string{saml.LoA2}, AMR: []string{"pwd"},
	}}}
	return idp, pc, nil
}

// demoKeyPair reads dir/name.key and dir/name.crt, or first makes them:
// an RSA-2048 key and a self-signed certificate valid ten years.
func demoKeyPair(dir, name string) (*rsa.PrivateKey, *x509.Certificate, saml.KeyPair, error) {
	files := saml.KeyPair{KeyFile: filepath.Join(dir, name+".key"), CertFile: filepath.Join(dir, name+".crt")}
	if _, err := os.Stat(files.KeyFile); errors.Is(err, fs.ErrNotExist) {
		if err := writeDemoKeyPair(files, name); err != nil {
			return nil, nil, files, fmt.Errorf("demo SAML key %s: %w", name, err)
		}
	}
	key, cert, err := files.Load()
	if err != nil {
		return nil, nil, files, fmt.Errorf("demo SAML key %s: %w", name, err)
	}
	return key, cert, files, nil
}

func writeDemoKeyPair(files saml.KeyPair, name string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "Passerelle demo SAML " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(files.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(files.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
}

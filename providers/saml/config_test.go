package saml

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

func TestValidateListsEveryProblem(t *testing.T) {
	testKeys(t)
	dir := t.TempDir()
	good := writeKeyPair(t, dir, "good", spKey1)
	mismatched := KeyPair{KeyFile: good.KeyFile, CertFile: writeKeyPair(t, dir, "other", spKey2).CertFile}
	cfg := Config{
		EntityID:        "not a uri",
		IDPMetadataURL:  "http://idp.example/metadata",
		Keys:            []KeyPair{good, mismatched, {KeyFile: filepath.Join(dir, "missing.key")}},
		Levels:          []string{LoA2, "urn:example:unknown"},
		ACRMap:          map[string]string{"urn:x": " "},
		ClockSkew:       10 * time.Minute,
		MetadataRefresh: 10 * time.Second,
		// A key file where the metadata's signing certificate should be.
		IDPMetadataSigningCert: good.KeyFile,
	}
	var ps validate.Problems
	cfg.Validate(&ps, "providers[0].saml")
	var got []string
	for _, p := range ps.List() {
		got = append(got, p.Path)
	}
	for _, want := range []string{
		"providers[0].saml.entity_id",
		"providers[0].saml.idp_metadata_url", // plain http off loopback
		"providers[0].saml.metadata_refresh",
		"providers[0].saml.idp_metadata_signing_cert",
		"providers[0].saml.keys",    // three
		"providers[0].saml.keys[1]", // the certificate is another key's
		"providers[0].saml.keys[2].cert_file",
		"providers[0].saml.levels[1]",
		"providers[0].saml.acr_map.urn:x",
		"providers[0].saml.clock_skew",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no problem at %s; got %v", want, ps.Err())
		}
	}

	var none validate.Problems
	ok := Config{IDPMetadataFile: "idp.xml", Keys: []KeyPair{good}}
	ok.Validate(&none, "p")
	if err := none.Err(); err != nil {
		t.Errorf("a minimal configuration: %v", err)
	}
	var both validate.Problems
	(&Config{IDPMetadataFile: "a", IDPMetadataURL: "https://b", Keys: []KeyPair{good}}).Validate(&both, "p")
	if err := both.Err(); err == nil || !strings.Contains(err.Error(), "p.idp_metadata_url") {
		t.Errorf("file and URL together: %v", err)
	}
}

func TestACRMapping(t *testing.T) {
	c := Config{ACRMap: map[string]string{"urn:bank:strong": LoA3}}
	for in, want := range map[string]string{LoA1: LoA1, LoA4: LoA4, "urn:bank:strong": LoA3, "urn:unknown": ""} {
		if got := c.acrFor(in); got != want {
			t.Errorf("acrFor(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestIDPMetadataFileAndRefresh: metadata from a file works without any
// network; from a URL it is fetched again when due, and a failed refresh
// keeps the last good copy.
func TestIDPMetadataFileAndRefresh(t *testing.T) {
	ti := newTestIdP(t, env{})
	md, err := ti.p.idp.read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// From a file.
	file := filepath.Join(t.TempDir(), "idp.xml")
	data := fetchBody(t, ti.srv.URL+"/metadata")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := ti.p.cfg
	cfg.IDPMetadataURL, cfg.IDPMetadataFile = "", file
	p, err := Open("gckey", cfg, Options{URLs: ti.urls()})
	if err != nil {
		t.Fatal(err)
	}
	flow := testFlow("1")
	flow.CallbackURL = ti.urls().Callback
	if _, _, err := p.LoginURL(t.Context(), flow, providersLoginOptions()); err != nil {
		t.Fatalf("from a file: %v", err)
	}
	// A refresh that fails keeps the old copy.
	now := time.Now()
	ti.p.idp.now = func() time.Time { return now }
	if _, _, err := ti.p.idp.get(t.Context()); err != nil {
		t.Fatal(err)
	}
	ti.srv.Close()
	now = now.Add(2 * time.Hour)
	got, stale, err := ti.p.idp.get(t.Context())
	if err != nil || stale == nil || got.EntityID != md.EntityID {
		t.Fatalf("refresh with the IdP down: %v, stale %v", err, stale)
	}
}

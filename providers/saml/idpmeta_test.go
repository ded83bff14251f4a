package saml

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/providers"
)

// signedMetadataProvider opens a provider over ti's IdP whose metadata
// must be signed by cert (a PEM file written from k), read from file when
// set, else from the IdP's URL.
func signedMetadataProvider(t *testing.T, ti *testIdP, k keyPair, file string) *Provider {
	t.Helper()
	cfg := ti.p.cfg
	cfg.IDPMetadataSigningCert = writeKeyPair(t, t.TempDir(), "md", k).CertFile
	if file != "" {
		cfg.IDPMetadataURL, cfg.IDPMetadataFile = "", file
	}
	p, err := Open("gckey", cfg, Options{URLs: ti.urls(), Hits: boltHits(t, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSignedIdPMetadata: with idp_metadata_signing_cert set, metadata the
// IdP signed with that key is read and signs people in; metadata that is
// unsigned, signed by another key, or changed after signing (a second SSO
// endpoint an attacker would point people to) is refused, so no sign-in
// starts.
func TestSignedIdPMetadata(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	ti.idp.SignMetadata = true
	ti.p = signedMetadataProvider(t, ti, idpKey, "")
	if _, _, err := ti.post(flow, ti.signIn(flow)); err != nil {
		t.Fatalf("signed metadata: %v", err)
	}
	signed := fetchBody(t, ti.srv.URL+"/metadata")

	login := func(p *Provider) error {
		f := testFlow("2")
		f.CallbackURL = ti.urls().Callback
		_, _, err := p.LoginURL(t.Context(), f, providersLoginOptions())
		return err
	}
	if err := login(signedMetadataProvider(t, ti, evilKey, "")); !errors.Is(err, providers.ErrUpstream) || !strings.Contains(err.Error(), "signature") {
		t.Errorf("metadata signed by another key: %v", err)
	}
	ti.idp.SignMetadata = false
	if err := login(signedMetadataProvider(t, ti, idpKey, "")); !errors.Is(err, providers.ErrUpstream) || !strings.Contains(err.Error(), "not signed") {
		t.Errorf("unsigned metadata: %v", err)
	}
	tampered := bytes.Replace(signed, []byte(ti.srv.URL+"/sso"), []byte("https://evil.example/sso"), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("the signed metadata has no SSO endpoint to change")
	}
	file := filepath.Join(t.TempDir(), "idp.xml")
	if err := os.WriteFile(file, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := login(signedMetadataProvider(t, ti, idpKey, file)); !errors.Is(err, providers.ErrUpstream) || !strings.Contains(err.Error(), "signature") {
		t.Errorf("metadata changed after signing: %v", err)
	}
	withDTD := append([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>`), signed...)
	if err := os.WriteFile(file, withDTD, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := login(signedMetadataProvider(t, ti, idpKey, file)); !errors.Is(err, providers.ErrUpstream) || !strings.Contains(err.Error(), "DTD") {
		t.Errorf("signed metadata behind a DTD: %v", err)
	}
}

// TestMetadataRefreshHoldsNoLock: while one request refreshes the IdP
// metadata (the IdP slow to answer), another is served the current copy
// at once instead of waiting behind the fetch; the refresh then replaces
// the copy.
func TestMetadataRefreshHoldsNoLock(t *testing.T) {
	ti := newTestIdP(t, env{})
	body := fetchBody(t, ti.srv.URL+"/metadata")
	var slow atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			entered <- struct{}{}
			<-release
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(md.Close)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before md.Close, even when the test fails
	now := time.Now()
	m := &idpMetadata{url: md.URL, refresh: time.Hour, client: md.Client(), now: func() time.Time { return now }}
	first, _, err := m.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	slow.Store(true)
	now = now.Add(2 * time.Hour)
	refreshed := make(chan error, 1)
	go func() {
		_, _, err := m.get(t.Context())
		refreshed <- err
	}()
	<-entered // the refresh is waiting on the IdP
	served := make(chan error, 1)
	go func() {
		got, _, err := m.get(t.Context())
		if err == nil && got != first {
			err = errors.New("not the current copy")
		}
		served <- err
	}()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request waited behind the metadata refresh")
	}
	unblock()
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if got, _, _ := m.get(t.Context()); got == first {
		t.Error("the refresh did not replace the copy")
	}
}

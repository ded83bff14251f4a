package replicas

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// browser is a person's browser (internal/testbrowser), walking the
// pages as the broker's tests do.
type browser struct{ *testbrowser.Browser }

// page is a fetched response with its body read.
type page = testbrowser.Page

func newBrowser(t *testing.T) *browser { return &browser{testbrowser.New(t, nil)} }

// upstreamPost fills the demo upstream's sign-in form and returns
// Passerelle's answer to the callback. before runs between the two, to
// switch replicas.
func (b *browser) upstreamPost(p page, user string, before func()) page {
	b.T.Helper()
	if to, v, ok := p.Action("/choose/gckey"); ok {
		p = b.Post(to, v)
	}
	to, v, ok := p.Action("/authorize")
	if !ok {
		b.T.Fatalf("no upstream sign-in form at %s (status %d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	v.Set("username", user)
	v.Set("password", "pw")
	v.Set("action", "signin")
	before()
	return b.Post(to, v)
}

// enrol walks a first sign-in's pages: a new account, an authenticator
// app set up (its secret returned), the recovery codes saved.
func (b *browser) enrol(p page) (page, string) {
	b.T.Helper()
	app := &testbrowser.Authenticator{Now: time.Now}
	p = b.TOTPMFA(p, app)
	if app.Secret == "" {
		b.T.Fatalf("no authenticator set-up on the way (at %s, status %d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	return p, app.Secret
}

// rp is the relying party: coreos/go-oidc and x/oauth2, talking to the
// issuer (the switch proxy).
type rp struct {
	t        *testing.T
	cfg      oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

func newRP(t *testing.T, issuer string) *rp {
	p, err := gooidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("discovery through the issuer: %v", err)
	}
	return &rp{t: t,
		cfg: oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURI, Endpoint: p.Endpoint(),
			Scopes: []string{"openid", "profile", "email", "offline_access"}},
		verifier: p.Verifier(&gooidc.Config{ClientID: clientID, SupportedSigningAlgs: []string{"ES256", "RS256"}})}
}

// authorization is one started authorization request.
type authorization struct {
	url, state, nonce, verifier string
}

func (r *rp) start() authorization {
	a := authorization{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
	a.url = r.cfg.AuthCodeURL(a.state, gooidc.Nonce(a.nonce), oauth2.S256ChallengeOption(a.verifier))
	return a
}

// code reads the authorization code from the redirect to the relying party.
func (r *rp) code(p page, a authorization) string {
	r.t.Helper()
	loc, err := url.Parse(p.Resp.Header.Get("Location"))
	if p.Resp.StatusCode/100 != 3 || err != nil || !strings.HasPrefix(loc.String(), redirectURI) {
		r.t.Fatalf("expected a redirect to the relying party, got %d at %s: %.400s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	if loc.Query().Get("state") != a.state || loc.Query().Get("code") == "" {
		r.t.Fatalf("redirect to the relying party without the code or state: %s", loc)
	}
	return loc.Query().Get("code")
}

// exchange redeems a code and verifies the ID token.
func (r *rp) exchange(code string, a authorization) (*oauth2.Token, error) {
	tok, err := r.cfg.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		return nil, err
	}
	return tok, r.verify(tok, a.nonce)
}

// refresh uses a refresh token and verifies the new ID token.
func (r *rp) refresh(refreshToken string) (*oauth2.Token, error) {
	tok, err := r.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, err
	}
	return tok, r.verify(tok, "")
}

func (r *rp) verify(tok *oauth2.Token, nonce string) error {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil
	}
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err == nil && nonce != "" && idt.Nonce != nonce {
		r.t.Errorf("nonce %q, want %q", idt.Nonce, nonce)
	}
	return err
}

package broker_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// The private_key_jwt client's key pair, its public half inline in the
// client's configuration.
var jwtClientKey, jwtClientJWKS = func() (*ecdsa.PrivateKey, string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
	b, _ := json.Marshal(set)
	return k, string(b)
}()

func clientAssertion(t *testing.T, key *ecdsa.PrivateKey, aud string) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: "jwt-rp", Subject: "jwt-rp", Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: randomString()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestPrivateKeyJWTClient(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	verifier := oauth2.GenerateVerifier()
	v := url.Values{"client_id": {"jwt-rp"}, "redirect_uri": {"https://jwt.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	p := b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, v)), "gckey"), "alex")
	loc, _ := url.Parse(p.Resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code: %s", p.Resp.Header.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://jwt.example/cb"},
		"code_verifier": {verifier}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	form.Set("client_assertion", clientAssertion(t, other, e.issuer))
	status, _, body := e.postForm("/oauth/token", "", "", form)
	if status != http.StatusUnauthorized && status != http.StatusBadRequest || body["error"] != "invalid_client" {
		t.Errorf("assertion signed by an unknown key: %d %v", status, body)
	}
	assertion := clientAssertion(t, jwtClientKey, e.issuer)
	form.Set("client_assertion", assertion)
	status, _, body = e.postForm("/oauth/token", "", "", form)
	if status != http.StatusOK || body["id_token"] == nil {
		t.Fatalf("private_key_jwt exchange: %d %v", status, body)
	}
	// The same assertion again (its jti is spent): invalid_client.
	status, _, body = e.postForm("/oauth/token", "", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}})
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("replayed client assertion: %d %v", status, body)
	}
	// The secret methods are refused for this client.
	status, _, _ = e.postForm("/oauth/token", "jwt-rp", "anything-at-all-1234", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}})
	if status != http.StatusUnauthorized {
		t.Errorf("client_secret_basic for a private_key_jwt client: %d", status)
	}
}

// TestUpstreamFailures: each upstream failure gives the person a page
// (never a 500 or a stack trace) and the relying party nothing.
func TestUpstreamFailures(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	// Unreachable: stop the upstream, then pick it.
	e.upstream["bank-b"].srv.Close()
	p := b.choose(b.choose(b.Get(r.start().url), "partners"), "bank-b")
	if p.Resp.StatusCode != http.StatusBadGateway || !strings.Contains(p.Body, "<h1") || p.Resp.Header.Get("Location") != "" {
		t.Errorf("unreachable upstream: %d", p.Resp.StatusCode)
	}
	if !strings.Contains(p.Body, "The sign-in service could not be reached.") {
		t.Errorf("unreachable upstream: the page does not say so: %.1500s", p.Body)
	}
	// The person cancels at the upstream: a page saying so.
	up := b.choose(b.Get(r.start().url), "gckey")
	cancelled := false
	for action, v := range up.Forms() {
		if strings.HasSuffix(action, "/authorize") {
			cancelled = true
			v.Set("action", "cancel")
			to, _ := up.Resp.Request.URL.Parse(action)
			got := b.Post(to.String(), v)
			if got.Resp.StatusCode != http.StatusBadGateway || !strings.Contains(got.Body, "The sign-in was cancelled or refused.") {
				t.Errorf("upstream access_denied: %d: %.1500s", got.Resp.StatusCode, got.Body)
			}
		}
	}
	if !cancelled {
		t.Errorf("no authorize form at the upstream to cancel: %.1500s", up.Body)
	}
}

// TestUpstreamWrongIssuer: an upstream whose ID tokens name another
// issuer is refused.
func TestUpstreamWrongIssuer(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{TokenIssuer: "https://impostor.example"})
	b := e.browser()
	p := b.upstreamLogin(b.choose(b.Get(e.rp("rp1").start().url), "gckey"), "alex")
	if p.Resp.StatusCode != http.StatusBadGateway || p.Resp.Header.Get("Location") != "" {
		t.Errorf("wrong issuer: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	e = newEnvWith(t, demoidp.Faults{UnpublishedKey: true})
	b = e.browser()
	p = b.upstreamLogin(b.choose(b.Get(e.rp("rp1").start().url), "gckey"), "alex")
	if p.Resp.StatusCode != http.StatusBadGateway {
		t.Errorf("bad signature: %d", p.Resp.StatusCode)
	}
}

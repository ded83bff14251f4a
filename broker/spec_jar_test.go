package broker_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// Issue 14, point 12: signed request objects (RFC 9101, OIDC Core §6),
// for jwt-rp, whose ES256 key is inline in its configuration.

// requestObject signs claims as jwt-rp's request object with key and alg.
func requestObject(t *testing.T, key any, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// jarClaims are a valid request of jwt-rp, for issuer.
func jarClaims(issuer string) map[string]any {
	return map[string]any{"iss": "jwt-rp", "aud": issuer, "client_id": "jwt-rp", "exp": time.Now().Add(time.Minute).Unix(),
		"response_type": "code", "redirect_uri": "https://jwt.example/cb", "scope": "openid", "state": "from-the-object",
		"code_challenge": s256(strings.Repeat("v", 43)), "code_challenge_method": "S256", "max_age": 600,
		"claims": map[string]any{"userinfo": map[string]any{"email": nil}}}
}

// TestRequestObjectByValue: the object's parameters are the request's;
// a bad object is invalid_request_object at the redirect URI the outer
// request names, when it is registered.
func TestRequestObjectByValue(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	v := url.Values{"client_id": {"jwt-rp"}, "request": {requestObject(t, jwtClientKey, jose.ES256, jarClaims(e.issuer))},
		"state": {"outer"}, "scope": {"bogus"}}
	p := b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, v)), "gckey"), "alex")
	loc, _ := url.Parse(p.Resp.Header.Get("Location"))
	if q := loc.Query(); loc.Host != "jwt.example" || q.Get("code") == "" || q.Get("state") != "from-the-object" || q.Get("iss") != e.issuer {
		t.Fatalf("sign-in with a request object: %d %s", p.Resp.StatusCode, loc)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	expired := jarClaims(e.issuer)
	expired["exp"] = time.Now().Add(-time.Minute).Unix()
	wrongAud := jarClaims(e.issuer)
	wrongAud["aud"] = "https://other-op.example"
	wrongIss := jarClaims(e.issuer)
	wrongIss["iss"] = "rp1"
	nested := jarClaims(e.issuer)
	nested["request_uri"] = "https://jwt.example/req"
	unsigned := strings.Join([]string{"eyJhbGciOiJub25lIn0", strings.Split(requestObject(t, jwtClientKey, jose.ES256, jarClaims(e.issuer)), ".")[1], ""}, ".")
	for name, jwt := range map[string]string{
		"alg none":         unsigned,
		"another key":      requestObject(t, other, jose.ES256, jarClaims(e.issuer)),
		"expired":          requestObject(t, jwtClientKey, jose.ES256, expired),
		"another audience": requestObject(t, jwtClientKey, jose.ES256, wrongAud),
		"another issuer":   requestObject(t, jwtClientKey, jose.ES256, wrongIss),
		"nested reference": requestObject(t, jwtClientKey, jose.ES256, nested),
		"not a JWT":        "not-a-jwt",
	} {
		t.Run(name, func(t *testing.T) {
			v := url.Values{"client_id": {"jwt-rp"}, "redirect_uri": {"https://jwt.example/cb"}, "state": {"outer"}, "request": {jwt}}
			q := errorAt(t, e, e.browser().Get(authURL(e.issuer, v)), "jwt.example", false)
			if q.Get("error") != "invalid_request_object" || q.Get("state") != "outer" {
				t.Errorf("got %v, want invalid_request_object", q)
			}
		})
	}
	t.Run("request and request_uri", func(t *testing.T) {
		v := url.Values{"client_id": {"jwt-rp"}, "redirect_uri": {"https://jwt.example/cb"}, "request": {"x"}, "request_uri": {"https://jwt.example/r"}}
		if q := errorAt(t, e, e.browser().Get(authURL(e.issuer, v)), "jwt.example", false); q.Get("error") != "invalid_request" {
			t.Errorf("got %v", q)
		}
	})
}

// TestRequestObjectByReference: a request_uri is fetched only when the
// client registered it, and only up to the size and time limits.
func TestRequestObjectByReference(t *testing.T) {
	var serve string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/never" {
			<-r.Context().Done() // answers nothing until Passerelle gives up
			return
		}
		w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
		_, _ = w.Write([]byte(serve))
	}))
	t.Cleanup(srv.Close)
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == "jwt-rp" {
				c.Clients[i].RequestURIs = []string{srv.URL + "/req", srv.URL + "/never"}
			}
		}
	})
	serve = requestObject(t, jwtClientKey, jose.ES256, jarClaims(e.issuer))
	b := e.browser()
	v := url.Values{"client_id": {"jwt-rp"}, "request_uri": {srv.URL + "/req"}}
	p := b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, v)), "gckey"), "alex")
	loc, _ := url.Parse(p.Resp.Header.Get("Location"))
	if q := loc.Query(); q.Get("code") == "" || q.Get("state") != "from-the-object" {
		t.Fatalf("sign-in with a request_uri: %d %s", p.Resp.StatusCode, loc)
	}
	bad := url.Values{"client_id": {"jwt-rp"}, "redirect_uri": {"https://jwt.example/cb"}, "request_uri": {srv.URL + "/other"}}
	if q := errorAt(t, e, e.browser().Get(authURL(e.issuer, bad)), "jwt.example", false); q.Get("error") != "invalid_request_uri" {
		t.Errorf("unregistered request_uri: %v", q)
	}
	// A server that never answers: given up after the time limit (5 s).
	bad.Set("request_uri", srv.URL+"/never")
	if q := errorAt(t, e, e.browser().Get(authURL(e.issuer, bad)), "jwt.example", false); q.Get("error") != "invalid_request_uri" {
		t.Errorf("request_uri that never answers: %v", q)
	}
	serve = strings.Repeat("a", 9<<10)
	bad.Set("request_uri", srv.URL+"/req")
	if q := errorAt(t, e, e.browser().Get(authURL(e.issuer, bad)), "jwt.example", false); q.Get("error") != "invalid_request_object" {
		t.Errorf("oversized request object: %v", q)
	}
}

// TestRequestObjectPushed: a pushed request may be a request object
// (RFC 9126 §3), pushed by a private_key_jwt client.
func TestRequestObjectPushed(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {clientAssertion(t, jwtClientKey, e.issuer)},
		"request":          {requestObject(t, jwtClientKey, jose.ES256, jarClaims(e.issuer))}}
	status, _, body := e.postForm("/oauth/par", "", "", form)
	uri, _ := body["request_uri"].(string)
	if status != http.StatusCreated || uri == "" {
		t.Fatalf("push a request object: %d %v", status, body)
	}
	b := e.browser()
	p := b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, url.Values{"client_id": {"jwt-rp"}, "request_uri": {uri}})), "gckey"), "alex")
	if loc, _ := url.Parse(p.Resp.Header.Get("Location")); loc == nil || loc.Query().Get("state") != "from-the-object" {
		t.Fatalf("sign-in: %d %s", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
}

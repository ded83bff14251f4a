package broker_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// Issue 14, points 2, 4, 5 and 8: the back-channel endpoints' answers,
// status, error code and headers.

// send makes a request and returns its status, headers and body.
func (e *env) send(req *http.Request) (int, http.Header, string) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// formRequest is a POST of form to path.
func (e *env) formRequest(path string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// errorCode is the error member of a JSON error body.
func errorCode(body string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	s, _ := m["error"].(string)
	return s
}

// TestSpecPKCEVerifierMissing (point 2): a code issued with a challenge,
// redeemed without code_verifier, is invalid_grant (RFC 7636 §4.6), and
// spends nothing.
func TestSpecPKCEVerifierMissing(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	a, code := e.gckeyCode(r)
	status, hdr, body := e.postForm("/oauth/token", "rp1", rpSecret, url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {"https://rp1.example/cb"}})
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("no code_verifier: %d %v %q", status, body, hdr.Get("Cache-Control"))
	}
	if _, err := r.exchange(code, a); err != nil {
		t.Errorf("the code after the refused attempt: %v", err)
	}
}

// TestSpecIntrospectRefreshToken (point 4): a refresh token is active
// with its metadata for the client it was issued to (RFC 7662 §2.2),
// inactive for another client and once rotated away.
func TestSpecIntrospectRefreshToken(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	status, hdr, in := e.postForm("/oauth/introspect", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}})
	if status != http.StatusOK || in["active"] != true || in["client_id"] != "rp1" || in["sub"] != tok.idToken.Subject ||
		!strings.Contains(in["scope"].(string), "offline_access") || in["exp"] == nil || in["iss"] != e.issuer {
		t.Errorf("refresh token introspected by its client: %d %v", status, in)
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("introspection Cache-Control %q", hdr.Get("Cache-Control"))
	}
	if in := e.introspect(tok.RefreshToken); in["active"] != false || len(in) != 1 {
		t.Errorf("refresh token introspected by another client: %v", in)
	}
	if _, err := e.refresh(r, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, _, in := e.postForm("/oauth/introspect", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}}); in["active"] != false {
		t.Errorf("rotated-away refresh token: %v", in)
	}
}

// TestSpecClaimsParameter (point 5): the claims parameter asks for held
// claims by name, in the ID token and at userinfo, whatever the scopes;
// the release rules still apply (TestAttackClaimsParameterDoesNotWidenRelease).
func TestSpecClaimsParameter(t *testing.T) {
	p := newPrivacy(t, []string{"email", "name"}, []string{"email", "name"})
	r := p.rp("rp1")
	r.cfg.Scopes = []string{"openid", "offline_access"}
	ask := `{"id_token":{"email":{"essential":true}},"userinfo":{"given_name":null,"unknown_claim":null}}`
	b := p.browser()
	tok := p.signIn(r, b, "bank-a", "alex", oauth2.SetAuthURLParam("claims", ask))
	if tok.claims["email"] != "alex@example.org" || tok.claims["given_name"] != nil {
		t.Errorf("ID token claims %v, want email", tok.claims)
	}
	ui := p.userinfo(tok.AccessToken)
	if ui["given_name"] != "Alex" || ui["email"] != nil || ui["family_name"] != nil || ui["unknown_claim"] != nil {
		t.Errorf("userinfo %v, want given_name only", ui)
	}
	refreshed, err := p.refresh(r, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if rt, err := r.verify(refreshed, ""); err != nil || rt.claims["email"] != "alex@example.org" {
		t.Errorf("refreshed ID token %v (%v) lost the claims asked for", rt.claims, err)
	}
	// An acr asked for in the claims parameter is acr_values (§5.5.1.1):
	// loa4 needs a security key, which this broker cannot offer.
	loa4 := `{"id_token":{"acr":{"essential":true,"values":["urn:gc-ca:cyber-auth:assurance:loa4"]}}}`
	if pg := b.Get(r.start(oauth2.SetAuthURLParam("claims", loa4)).url); pg.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("claims acr loa4 without security keys: %d", pg.Resp.StatusCode)
	}
}

// corsEnv is the harness with rp1's scripts allowed from one origin.
const rpOrigin = "https://app.rp1.example"

func corsEnv(t *testing.T) *env {
	return newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Clients[0].AllowedOrigins = []string{rpOrigin}
	})
}

// TestSpecBackChannelHeaders (point 8): the token, introspection and
// revocation endpoints' rules.
func TestSpecBackChannelHeaders(t *testing.T) {
	e := corsEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	basic := func(req *http.Request) *http.Request { req.SetBasicAuth("rp1", rpSecret); return req }

	req := basic(e.formRequest("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}))
	req.Header.Add("Authorization", "Basic "+"cnAyOng=")
	if status, _, body := e.send(req); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
		t.Errorf("two Authorization headers at the token endpoint: %d %s", status, body)
	}
	if status, _, body := e.send(basic(e.formRequest("/oauth/introspect", url.Values{}))); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
		t.Errorf("introspection without token: %d %s", status, body)
	}
	req = basic(e.formRequest("/oauth/introspect", url.Values{"token": {tok.AccessToken}, "client_secret": {rpSecret}}))
	if status, _, body := e.send(req); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
		t.Errorf("introspection with two client authentication methods: %d %s", status, body)
	}
	status, hdr, body := e.send(basic(e.formRequest("/oauth/introspect", url.Values{"token": {tok.AccessToken}})))
	if status != http.StatusOK || hdr.Get("Cache-Control") != "no-store" || !strings.Contains(body, `"active":true`) {
		t.Errorf("introspection: %d Cache-Control=%q %s", status, hdr.Get("Cache-Control"), body)
	}
	if status, _, body := e.send(basic(e.formRequest("/revoke", url.Values{}))); status != http.StatusBadRequest || errorCode(body) != "invalid_request" {
		t.Errorf("revocation without token: %d %s", status, body)
	}

	// CORS: only the client's listed origin, never with credentials.
	for _, tc := range []struct{ origin, want string }{{rpOrigin, rpOrigin}, {"https://evil.example", ""}} {
		req := basic(e.formRequest("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"}}))
		req.Header.Set("Origin", tc.origin)
		_, hdr, _ := e.send(req)
		if hdr.Get("Access-Control-Allow-Origin") != tc.want || hdr.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("token endpoint from %s: Allow-Origin %q, Allow-Credentials %q", tc.origin, hdr.Get("Access-Control-Allow-Origin"), hdr.Get("Access-Control-Allow-Credentials"))
		}
		pre, _ := http.NewRequest(http.MethodOptions, e.issuer+"/oauth/token", nil)
		pre.Header.Set("Origin", tc.origin)
		pre.Header.Set("Access-Control-Request-Method", "POST")
		status, hdr, _ := e.send(pre)
		if status != http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != tc.want || hdr.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from %s: %d %v", tc.origin, status, hdr)
		}
	}
}

// TestSpecUserinfoBearer (point 8): the access token comes one way
// only, never in the query; no token gets a bare challenge; CORS by the
// token's client, never with credentials.
func TestSpecUserinfoBearer(t *testing.T) {
	e := corsEnv(t)
	tok := e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex")
	get := func(query string, header ...string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo"+query, nil)
		for _, h := range header {
			req.Header.Add("Authorization", h)
		}
		return req
	}
	both := e.formRequest("/userinfo", url.Values{"access_token": {tok.AccessToken}})
	both.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	for name, tc := range map[string]struct {
		req       *http.Request
		status    int
		challenge string
	}{
		"query":                    {get("?access_token=" + url.QueryEscape(tok.AccessToken)), http.StatusBadRequest, `Bearer error="invalid_request"`},
		"query and header":         {get("?access_token="+url.QueryEscape(tok.AccessToken), "Bearer "+tok.AccessToken), http.StatusBadRequest, `Bearer error="invalid_request"`},
		"header and form":          {both, http.StatusBadRequest, `Bearer error="invalid_request"`},
		"two headers":              {get("", "Bearer "+tok.AccessToken, "Bearer "+tok.AccessToken), http.StatusBadRequest, `Bearer error="invalid_request"`},
		"no token":                 {get(""), http.StatusUnauthorized, "Bearer"},
		"another scheme":           {get("", "Basic cnAxOng="), http.StatusUnauthorized, "Bearer"},
		"invalid token":            {get("", "Bearer nope"), http.StatusUnauthorized, `Bearer error="invalid_token"`},
		"header":                   {get("", "Bearer "+tok.AccessToken), http.StatusOK, ""},
		"form":                     {e.formRequest("/userinfo", url.Values{"access_token": {tok.AccessToken}}), http.StatusOK, ""},
		"header, case-insensitive": {get("", "bearer "+tok.AccessToken), http.StatusOK, ""},
	} {
		t.Run(name, func(t *testing.T) {
			status, hdr, body := e.send(tc.req)
			if status != tc.status || hdr.Get("WWW-Authenticate") != tc.challenge || hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("%d WWW-Authenticate=%q Cache-Control=%q %s", status, hdr.Get("WWW-Authenticate"), hdr.Get("Cache-Control"), body)
			}
			if tc.status == http.StatusUnauthorized && tc.challenge == "Bearer" && body != "" {
				t.Errorf("a request without a token got error information: %s", body)
			}
		})
	}
	for _, tc := range []struct{ origin, want string }{{rpOrigin, rpOrigin}, {"https://evil.example", ""}, {"https://rp2.example", ""}} {
		req := get("", "Bearer "+tok.AccessToken)
		req.Header.Set("Origin", tc.origin)
		status, hdr, _ := e.send(req)
		if status != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != tc.want || hdr.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("userinfo from %s: %d Allow-Origin %q Allow-Credentials %q", tc.origin, status, hdr.Get("Access-Control-Allow-Origin"), hdr.Get("Access-Control-Allow-Credentials"))
		}
	}
}

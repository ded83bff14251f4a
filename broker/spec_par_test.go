package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// Issue 14, point 11: pushed authorization requests (RFC 9126).

// push posts the parameters of a's authorization request to the PAR
// endpoint as rp1.
func (e *env) push(form url.Values) (int, http.Header, map[string]any) {
	e.t.Helper()
	return e.postForm("/oauth/par", "rp1", rpSecret, form)
}

// pushedParams are the parameters of authorization a of rp1.
func pushedParams(a authorization) url.Values {
	u, _ := url.Parse(a.url)
	return u.Query()
}

// TestPARSignIn: a pushed request answers 201 with a request_uri used
// once, for its client, within its lifetime; only its parameters count.
func TestPARSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	a := r.start()
	status, hdr, body := e.push(pushedParams(a))
	uri, _ := body["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || body["expires_in"] != float64(60) ||
		hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("push: %d %v %v", status, hdr, body)
	}
	b := e.browser()
	front := url.Values{"client_id": {"rp1"}, "request_uri": {uri}, "state": {"not-the-pushed-state"}}
	p := b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, front)), "gckey"), "alex")
	q := r.callback(p, a) // the pushed state, not the front one
	if _, err := r.exchange(q.Get("code"), a); err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if p := e.browser().Get(authURL(e.issuer, front)); p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" {
		t.Errorf("request_uri used twice: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}

	_, _, body = e.push(pushedParams(r.start()))
	other := url.Values{"client_id": {"rp2"}, "request_uri": {body["request_uri"].(string)}}
	if p := e.browser().Get(authURL(e.issuer, other)); p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" {
		t.Errorf("another client's request_uri: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	_, _, body = e.push(pushedParams(r.start()))
	e.clock.Advance(61 * time.Second)
	late := url.Values{"client_id": {"rp1"}, "request_uri": {body["request_uri"].(string)}}
	if p := e.browser().Get(authURL(e.issuer, late)); p.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired request_uri: %d", p.Resp.StatusCode)
	}
}

// TestPARErrors: the PAR endpoint answers like the token endpoint.
func TestPARErrors(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	for name, tc := range map[string]struct {
		mutate func(url.Values)
		secret string
		status int
		want   string
	}{
		"wrong secret":          {func(url.Values) {}, "wrong", http.StatusUnauthorized, "invalid_client"},
		"request_uri pushed":    {func(v url.Values) { v.Set("request_uri", "urn:ietf:params:oauth:request_uri:x") }, rpSecret, http.StatusBadRequest, "invalid_request"},
		"unregistered redirect": {func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, rpSecret, http.StatusBadRequest, "invalid_request"},
		"another client_id":     {func(v url.Values) { v.Set("client_id", "rp2") }, rpSecret, http.StatusBadRequest, "invalid_request"},
		"implicit":              {func(v url.Values) { v.Set("response_type", "token") }, rpSecret, http.StatusBadRequest, "unsupported_response_type"},
		"prompt bogus":          {func(v url.Values) { v.Set("prompt", "bogus") }, rpSecret, http.StatusBadRequest, "invalid_request"},
		"no openid":             {func(v url.Values) { v.Set("scope", "profile") }, rpSecret, http.StatusBadRequest, "invalid_scope"},
	} {
		t.Run(name, func(t *testing.T) {
			v := pushedParams(r.start())
			tc.mutate(v)
			status, hdr, body := e.postForm("/oauth/par", "rp1", tc.secret, v)
			if status != tc.status || body["error"] != tc.want || hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("%d %v %q, want %d %s", status, body, hdr.Get("Cache-Control"), tc.status, tc.want)
			}
		})
	}
	if resp, err := http.Get(e.issuer + "/oauth/par"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth/par: %v %v", resp.StatusCode, err)
	}
}

// TestPARRequired: a client configured with
// require_pushed_authorization_requests gets invalid_request at its
// redirect URI for a request it did not push; discovery names the
// endpoint and leaves the requirement to each client.
func TestPARRequired(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients[0].RequirePAR = true })
	r := e.rp("rp1")
	a := r.start()
	q := errorAt(t, e, e.browser().Get(a.url), "rp1.example", false)
	if q.Get("error") != "invalid_request" || q.Get("state") != a.state {
		t.Errorf("unpushed request of a PAR client: %v", q)
	}
	_, _, body := e.push(pushedParams(a))
	b := e.browser()
	front := url.Values{"client_id": {"rp1"}, "request_uri": {body["request_uri"].(string)}}
	r.callback(b.upstreamLogin(b.choose(b.Get(authURL(e.issuer, front)), "gckey"), "alex"), a)
	d := e.discovery()
	if d["pushed_authorization_request_endpoint"] != e.issuer+"/oauth/par" || d["require_pushed_authorization_requests"] != false {
		t.Errorf("discovery: %v %v", d["pushed_authorization_request_endpoint"], d["require_pushed_authorization_requests"])
	}
}

// TestAttackPushedRequestIsNoSignIn: the ID inside a request_uri names a
// stored request bound to no browser: the sign-in's pages refuse it, so
// someone who learns a request_uri cannot drive its sign-in except by
// bringing it to /authorize (which makes a new request for their own
// browser, with the client's own redirect URI and PKCE challenge).
func TestAttackPushedRequestIsNoSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	_, _, body := e.push(pushedParams(r.start(oauth2.SetAuthURLParam("idp_hint", "gckey"))))
	id := strings.TrimPrefix(body["request_uri"].(string), "urn:ietf:params:oauth:request_uri:")
	b := e.browser()
	b.Get(e.issuer + "/") // a browser cookie of its own
	for _, path := range []string{"/login/" + id, "/login/" + id + "/local", "/login/" + id + "/cancel"} {
		if p := b.Get(e.issuer + path); p.Resp.StatusCode == http.StatusOK || p.Resp.Header.Get("Location") != "" {
			t.Errorf("%s of a pushed request: %d %q", path, p.Resp.StatusCode, p.Resp.Header.Get("Location"))
		}
	}
}

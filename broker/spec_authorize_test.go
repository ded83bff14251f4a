package broker_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue 14, points 1, 3, 6, 7 and 9: how /authorize answers what the
// specifications say it must refuse, and what it must give back intact.

// loopbackParams is a valid request of the public client, whose redirect
// URI is a loopback http URI.
func loopbackParams() url.Values {
	v := validParams()
	v.Set("client_id", "public")
	v.Set("redirect_uri", "http://127.0.0.1:9/cb")
	return v
}

// errorAt reads an error answer at the client's redirect URI: 303 See
// Other to host, with error, state and iss in the query (or the
// fragment when inFragment).
func errorAt(t *testing.T, e *env, p page, host string, inFragment bool) url.Values {
	t.Helper()
	if p.Resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303 to the client: %.300s", p.Resp.StatusCode, p.Body)
	}
	loc, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || loc.Host != host {
		t.Fatalf("Location %q, want host %s", p.Resp.Header.Get("Location"), host)
	}
	q := loc.Query()
	if inFragment {
		q, _ = url.ParseQuery(loc.Fragment)
	} else if loc.Fragment != "" {
		t.Errorf("error in the fragment: %s", loc)
	}
	if q.Get("iss") != e.issuer {
		t.Errorf("iss %q, want %q (RFC 9207)", q.Get("iss"), e.issuer)
	}
	return q
}

// TestSpecResponseTypeAndMaxAge (point 1): a registered client with a
// loopback http redirect URI gets its errors at that URI, never the
// "unknown service" page: unsupported_response_type for a response type
// other than code (in the fragment when it returns a token), and
// invalid_request for a missing one or a max_age that is not a
// non-negative integer.
func TestSpecResponseTypeAndMaxAge(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	cases := []struct {
		name, param, value, want string
		drop, fragment           bool
	}{
		{name: "missing response_type", param: "response_type", drop: true, want: "invalid_request"},
		{name: "empty response_type", param: "response_type", value: "", want: "invalid_request"},
		{name: "unknown response_type", param: "response_type", value: "bogus", want: "unsupported_response_type"},
		{name: "token", param: "response_type", value: "token", want: "unsupported_response_type", fragment: true},
		{name: "id_token", param: "response_type", value: "id_token", want: "unsupported_response_type", fragment: true},
		{name: "hybrid", param: "response_type", value: "code id_token", want: "unsupported_response_type", fragment: true},
		{name: "max_age -1", param: "max_age", value: "-1", want: "invalid_request"},
		{name: "max_age abc", param: "max_age", value: "abc", want: "invalid_request"},
		{name: "max_age overflow", param: "max_age", value: "99999999999999", want: "invalid_request"},
		{name: "max_age +5", param: "max_age", value: "+5", want: "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := loopbackParams()
			if tc.drop {
				v.Del(tc.param)
			} else {
				v.Set(tc.param, tc.value)
			}
			q := errorAt(t, e, b.Get(authURL(e.issuer, v)), "127.0.0.1:9", tc.fragment)
			if q.Get("error") != tc.want || q.Get("state") != "st" {
				t.Errorf("error=%q state=%q, want %s and the state", q.Get("error"), q.Get("state"), tc.want)
			}
		})
	}
	t.Run("max_age 0 is valid", func(t *testing.T) {
		v := loopbackParams()
		v.Set("max_age", "0")
		if p := b.Get(authURL(e.issuer, v)); p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
			t.Errorf("got %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
	})
}

// TestSpecInvalidParameters (points 6 and 9): parameters that break
// their syntax are refused with invalid_request at the redirect URI.
func TestSpecInvalidParameters(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	cases := map[string]func(url.Values){
		"scope with a control byte":  func(v url.Values) { v.Set("scope", "openid\x01profile") },
		"scope with non-ASCII":       func(v url.Values) { v.Set("scope", "openid profilé") },
		"scope with a quote":         func(v url.Values) { v.Set("scope", `openid "email"`) },
		"prompt bogus":               func(v url.Values) { v.Set("prompt", "bogus") },
		"prompt empty":               func(v url.Values) { v.Set("prompt", " ") },
		"prompt none with login":     func(v url.Values) { v.Set("prompt", "login none") },
		"prompt none with consent":   func(v url.Values) { v.Set("prompt", "none consent") },
		"code_challenge too short":   func(v url.Values) { v.Set("code_challenge", strings.Repeat("a", 42)) },
		"code_challenge too long":    func(v url.Values) { v.Set("code_challenge", strings.Repeat("a", 129)) },
		"code_challenge with +":      func(v url.Values) { v.Set("code_challenge", strings.Repeat("a", 42)+"+") },
		"claims not JSON":            func(v url.Values) { v.Set("claims", "{") },
		"claims an array":            func(v url.Values) { v.Set("claims", "[]") },
		"claims userinfo an array":   func(v url.Values) { v.Set("claims", `{"userinfo":[]}`) },
		"claims member a number":     func(v url.Values) { v.Set("claims", `{"userinfo":{"email":1}}`) },
		"claims essential a string":  func(v url.Values) { v.Set("claims", `{"id_token":{"email":{"essential":"yes"}}}`) },
		"claims trailing data":       func(v url.Values) { v.Set("claims", `{} {}`) },
		"nonce not UTF-8":            func(v url.Values) { v.Set("nonce", "n\xff") },
		"login_hint with NUL":        func(v url.Values) { v.Set("login_hint", "a\x00b") },
		"scope over its size limit":  func(v url.Values) { v.Set("scope", "openid "+strings.Repeat("x", 1024)) },
		"claims over its size limit": func(v url.Values) { v.Set("claims", `{"userinfo":{"`+strings.Repeat("x", 2048)+`":null}}`) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			v := validParams()
			mutate(v)
			q := errorAt(t, e, b.Get(authURL(e.issuer, v)), "rp1.example", false)
			if q.Get("error") != "invalid_request" || q.Get("state") != "st" || q.Get("error_description") == "" {
				t.Errorf("got %v, want invalid_request with the state and a description", q)
			}
		})
	}
	for _, ok := range []struct{ name, param, value string }{
		{"prompt consent", "prompt", "consent"},
		{"prompt login consent", "prompt", "login consent"},
		{"prompt select_account", "prompt", "select_account"},
		{"code_challenge of unreserved characters", "code_challenge", strings.Repeat("aZ9-._~", 7)},
		{"claims with essential and values", "claims", `{"id_token":{"acr":{"essential":true,"values":["x"]}},"userinfo":{"email":null},"other":1}`},
	} {
		t.Run(ok.name+" is accepted", func(t *testing.T) {
			v := validParams()
			v.Set(ok.param, ok.value)
			if p := b.Get(authURL(e.issuer, v)); p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
				t.Errorf("got %d at %s: %s", p.Resp.StatusCode, p.Resp.Request.URL, p.Resp.Header.Get("Location"))
			}
		})
	}
}

// TestSpecStateBytes (point 7): a state that is not UTF-8 comes back
// byte for byte, in an error answered at once and in the code answered
// after the sign-in (the auth request stored between the two).
func TestSpecStateBytes(t *testing.T) {
	e := newEnv(t)
	state := "\xff\xfe\x00caf\xe9 \x80"
	t.Run("error", func(t *testing.T) {
		v := validParams()
		v.Set("state", state)
		v.Set("prompt", "bogus")
		q := errorAt(t, e, e.browser().Get(authURL(e.issuer, v)), "rp1.example", false)
		if q.Get("state") != state {
			t.Errorf("state %q, want %q", q.Get("state"), state)
		}
	})
	t.Run("code", func(t *testing.T) {
		r := e.rp("rp1")
		a := r.start()
		a.state = state
		u, _ := url.Parse(a.url)
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
		b := e.browser()
		got := r.callback(b.upstreamLogin(b.choose(b.Get(u.String()), "gckey"), "alex"), a)
		if got.Get("code") == "" {
			t.Fatalf("no code: %v", got)
		}
	})
}

// TestSpecDiscovery (points 3, 5 and 9): discovery says what Passerelle
// does: the ladder's acr values, iss in every authorization response,
// the claims parameter, and the prompt values it accepts.
func TestSpecDiscovery(t *testing.T) {
	e := newEnv(t)
	d := e.discovery()
	acrs, _ := d["acr_values_supported"].([]any)
	if len(acrs) == 0 || acrs[0] != "urn:gc-ca:cyber-auth:assurance:loa1" {
		t.Errorf("acr_values_supported = %v, want the ladder's values", d["acr_values_supported"])
	}
	if d["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("authorization_response_iss_parameter_supported = %v", d["authorization_response_iss_parameter_supported"])
	}
	if d["claims_parameter_supported"] != true {
		t.Errorf("claims_parameter_supported = %v", d["claims_parameter_supported"])
	}
	if got := d["prompt_values_supported"]; len(got.([]any)) != 4 {
		t.Errorf("prompt_values_supported = %v", got)
	}
}

// discovery fetches the provider's metadata; it is public, for scripts
// of any origin, without credentials.
func (e *env) discovery() map[string]any {
	e.t.Helper()
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		e.t.Errorf("discovery CORS: %v", resp.Header)
	}
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

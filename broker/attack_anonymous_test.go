package broker_test

// Attacks by an anonymous visitor on what the server stores and reads
// before anyone signs in (security issue, point 5): oversized
// authorization parameters, floods from one address, oversized bodies,
// and a store file that must give its space back to the next flood.
// broker/attack_test.go holds the second-factor bypasses.

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// storedAuthRequests counts the auth requests the store holds by sweeping
// an hour ahead (they live 30 minutes; nothing else in a fresh
// environment expires that soon). It deletes what it counts.
func storedAuthRequests(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.store.Sweep(context.Background(), e.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// noRedirects is an anonymous client that reads each answer itself.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestAttackOversizedAuthorizeParameters: a parameter over its documented
// limit is refused with invalid_request at the client's registered
// redirect URI, before anything is stored or a cookie is set; an
// oversized state is not echoed back; at the limit, the request goes on.
func TestAttackOversizedAuthorizeParameters(t *testing.T) {
	e := newEnv(t)
	cases := map[string]int{"state": 512, "nonce": 512, "login_hint": 256, "acr_values": 512, "ui_locales": 128,
		"scope": 1024, "code_challenge": 128, "id_token_hint": 4096, "idp_hint": 128, "claims": 2048}
	for name, limit := range cases {
		t.Run(name, func(t *testing.T) {
			v := validParams()
			v.Set(name, strings.Repeat("a", limit+1))
			for _, post := range []bool{false, true} {
				var resp *http.Response
				var err error
				if post {
					resp, err = noRedirects.PostForm(e.issuer+"/authorize", v)
				} else {
					resp, err = noRedirects.Get(authURL(e.issuer, v))
				}
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, _ := url.Parse(resp.Header.Get("Location"))
				q := loc.Query()
				if loc.Host != "rp1.example" || q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), name) {
					t.Fatalf("POST=%v: got %d Location=%.200q, want invalid_request at the client", post, resp.StatusCode, resp.Header.Get("Location"))
				}
				if name == "state" && q.Has("state") {
					t.Errorf("POST=%v: the oversized state is echoed in the error redirect", post)
				} else if name != "state" && q.Get("state") != "st" {
					t.Errorf("POST=%v: state %q in the error redirect, want st", post, q.Get("state"))
				}
				if len(resp.Cookies()) != 0 {
					t.Errorf("POST=%v: a refused request set a cookie", post)
				}
			}
			if n := storedAuthRequests(t, e); n != 0 {
				t.Errorf("%d auth requests stored for refused requests", n)
			}
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		v := validParams()
		v.Set("state", strings.Repeat("s", 512))
		v.Set("nonce", strings.Repeat("n", 512))
		v.Set("login_hint", strings.Repeat("h", 256))
		resp, err := noRedirects.Get(authURL(e.issuer, v))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Location"), "/login/") {
			t.Fatalf("got %d Location=%.100q, want the sign-in", resp.StatusCode, resp.Header.Get("Location"))
		}
		if n := storedAuthRequests(t, e); n != 1 {
			t.Errorf("%d auth requests stored, want 1", n)
		}
	})
	t.Run("untrusted redirect", func(t *testing.T) {
		v := validParams()
		v.Set("redirect_uri", "https://evil.example/cb")
		v.Set("nonce", strings.Repeat("n", 8000))
		resp, err := noRedirects.Get(authURL(e.issuer, v))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d Location=%q, want an error page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

package broker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

func authURL(issuer string, v url.Values) string { return issuer + "/authorize?" + v.Encode() }

func validParams() url.Values {
	return url.Values{"client_id": {"rp1"}, "redirect_uri": {"https://rp1.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "code_challenge": {s256("verifier-verifier-verifier-verifier-verifier")},
		"code_challenge_method": {"S256"}}
}

// TestAuthorizeErrors: an error goes to the redirect URI only when the
// client and redirect URI are trusted; otherwise a page, never a redirect.
func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	pageCases := map[string]func(url.Values){
		"unregistered redirect_uri": func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") },
		"unknown client":            func(v url.Values) { v.Set("client_id", "nobody") },
		"missing client_id":         func(v url.Values) { v.Del("client_id") },
		"missing redirect_uri":      func(v url.Values) { v.Del("redirect_uri") },
		"repeated redirect_uri":     func(v url.Values) { v.Add("redirect_uri", "https://rp1.example/cb") },
	}
	for name, mutate := range pageCases {
		t.Run(name, func(t *testing.T) {
			v := validParams()
			mutate(v)
			p := b.Get(authURL(e.issuer, v))
			if p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" || !strings.Contains(p.Body, "<h1") {
				t.Errorf("want an error page, got %d Location=%q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
			}
			if strings.Contains(p.Body, "evil.example") {
				t.Error("the page echoes the untrusted URI")
			}
		})
	}
	redirectCases := map[string]struct {
		mutate func(url.Values)
		want   string
	}{
		"PKCE plain":               {func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		"PKCE without method":      {func(v url.Values) { v.Del("code_challenge_method") }, "invalid_request"},
		"no openid scope":          {func(v url.Values) { v.Set("scope", "profile") }, "invalid_scope"},
		"implicit":                 {func(v url.Values) { v.Set("response_type", "id_token") }, "unsupported_response_type"},
		"repeated scope":           {func(v url.Values) { v.Add("scope", "email") }, "invalid_request"},
		"unsigned request":         {func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "invalid_request_object"},
		"unregistered request_uri": {func(v url.Values) { v.Set("request_uri", "https://rp1.example/req") }, "invalid_request_uri"},
		"prompt none+login":        {func(v url.Values) { v.Set("prompt", "none login") }, "invalid_request"},
		"bad response_mode":        {func(v url.Values) { v.Set("response_mode", "fragment.jwt") }, "invalid_request"},
	}
	for name, tc := range redirectCases {
		t.Run(name, func(t *testing.T) {
			v := validParams()
			tc.mutate(v)
			p := b.Get(authURL(e.issuer, v))
			loc, _ := url.Parse(p.Resp.Header.Get("Location"))
			q := loc.Query()
			if loc.Fragment != "" { // errors of an implicit request go in the fragment (OAuth 2.0 Multiple Response Types §5)
				q, _ = url.ParseQuery(loc.Fragment)
			} else if name == "implicit" {
				t.Errorf("the error of an implicit request is in the query: %s", loc)
			}
			if loc.Host != "rp1.example" || q.Get("error") != tc.want || q.Get("state") != "st" || q.Get("iss") != e.issuer {
				t.Errorf("got %d Location=%q, want error=%s at the client", p.Resp.StatusCode, p.Resp.Header.Get("Location"), tc.want)
			}
		})
	}
	t.Run("public client without PKCE", func(t *testing.T) {
		v := validParams()
		v.Set("client_id", "public")
		v.Set("redirect_uri", "http://127.0.0.1:9/cb")
		v.Del("code_challenge")
		v.Del("code_challenge_method")
		p := b.Get(authURL(e.issuer, v))
		if loc, _ := url.Parse(p.Resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "invalid_request" {
			t.Errorf("got %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
		}
	})
	t.Run("unknown parameters are ignored", func(t *testing.T) {
		v := validParams()
		v.Set("foo", "bar")
		p := b.Get(authURL(e.issuer, v))
		if p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
			t.Errorf("got %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
	})
	t.Run("POST authorize", func(t *testing.T) {
		p := b.Post(e.issuer+"/authorize", validParams())
		if p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
			t.Errorf("got %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
	})
}

func TestFormPostResponseMode(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start(oauth2.SetAuthURLParam("response_mode", "form_post"))
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex")
	forms := p.Forms()
	v, ok := forms["https://rp1.example/cb"]
	if p.Resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("no form posting to the client: %d %.600s", p.Resp.StatusCode, p.Body)
	}
	if v.Get("state") != a.state || v.Get("code") == "" || v.Get("iss") != e.issuer {
		t.Fatalf("form fields %v", v)
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, "onload") {
		t.Error("form_post page uses inline script")
	}
	if _, err := r.exchange(v.Get("code"), a); err != nil {
		t.Fatal(err)
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	has := func(k, v string) bool {
		list, _ := d[k].([]any)
		return slices.Contains(list, any(v))
	}
	if d["issuer"] != e.issuer || !has("subject_types_supported", "pairwise") || !has("subject_types_supported", "public") ||
		!has("id_token_signing_alg_values_supported", "ES256") || !has("id_token_signing_alg_values_supported", "RS256") ||
		!has("token_endpoint_auth_methods_supported", "private_key_jwt") || !has("response_modes_supported", "form_post") {
		t.Errorf("discovery: %v", d)
	}
	if m, _ := d["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code_challenge_methods_supported = %v", m)
	}
	if d["request_uri_parameter_supported"] != true || d["require_request_uri_registration"] != true {
		t.Errorf("request_uri_parameter_supported = %v", d["request_uri_parameter_supported"])
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	jwks := func() []string {
		resp, err := http.Get(e.issuer + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct{ Keys []struct{ Kid string } }
		json.NewDecoder(resp.Body).Decode(&set)
		var ids []string
		for _, k := range set.Keys {
			ids = append(ids, k.Kid)
		}
		return ids
	}
	before := jwks()
	old := e.signIn(r, e.browser(), "gckey", "alex")
	created, err := e.broker.Keys().Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := jwks()
	for _, k := range created {
		if !slices.Contains(after, k.ID) {
			t.Errorf("new key %s not published at once", k.ID)
		}
	}
	// Not yet active: tokens are still signed by the old key.
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	if tok.idToken == nil || !slices.Contains(before, kid(t, tok.raw)) {
		t.Errorf("signed with %s before the new key's activation", kid(t, tok.raw))
	}
	e.clock.Advance(11 * 60e9) // past publish_ahead (10m)
	tok = e.signIn(r, e.browser(), "gckey", "alex")
	if slices.Contains(before, kid(t, tok.raw)) {
		t.Error("still signing with the old key after activation")
	}
	if !slices.Contains(jwks(), kid(t, old.raw)) {
		t.Error("the old key was unpublished while its tokens may be alive")
	}
	e.clock.Advance(20 * 60e9)
	if slices.Contains(jwks(), kid(t, old.raw)) {
		t.Error("the old key is still published after its tokens expired")
	}
}

func kid(t *testing.T, raw string) string {
	var h struct{ Kid string }
	json.Unmarshal([]byte(decodeSeg(t, strings.Split(raw, ".")[0])), &h)
	return h.Kid
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	// No language known: the bilingual choice.
	req, _ := http.NewRequest(http.MethodGet, r.start().url, nil)
	req.Header.Set("Accept-Language", "de")
	b := e.browser()
	resp, err := b.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	p := testbrowser.Read(t, resp)
	if !strings.Contains(p.Body, "Français") || !strings.Contains(p.Body, "English") || !strings.Contains(p.Body, "/lang?l=fr") {
		t.Errorf("no bilingual choice: %.600s", p.Body)
	}
	// ui_locales=fr wins over Accept-Language.
	p = b.Get(r.start(oauth2.SetAuthURLParam("ui_locales", "fr")).url)
	if !strings.Contains(p.Body, `lang="fr"`) || !strings.Contains(p.Body, "Partenaire de connexion") {
		t.Errorf("ui_locales=fr page: %.600s", p.Body)
	}
}

package oidc_test

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/oidc"
)

// LoginURL sends exactly the code-flow parameters and, on request,
// prompt and ui_locales: nothing else, so nothing about the relying party
// can reach the upstream.
func TestLoginURLParameters(t *testing.T) {
	u := newUpstream(t, demoidp.Faults{})
	p := open(t, u, u.config())
	flow := newFlow()
	base := map[string]string{
		"response_type":         "code",
		"client_id":             "passerelle",
		"redirect_uri":          callbackURL,
		"scope":                 "openid", // DefaultScopes: nothing but a subject
		"state":                 flow.State,
		"nonce":                 flow.Nonce,
		"code_challenge":        oauth2.S256ChallengeFromVerifier(flow.Verifier),
		"code_challenge_method": "S256",
	}
	withOpts := maps.Clone(base)
	withOpts["prompt"] = "login"
	withOpts["ui_locales"] = "fr-CA"

	for _, tc := range []struct {
		name string
		opts providers.LoginOptions
		want map[string]string
	}{
		{"no options", providers.LoginOptions{}, base},
		{"force login and locale", providers.LoginOptions{ForceLogin: true, Locale: "fr-CA"}, withOpts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _, err := p.LoginURL(context.Background(), flow, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if ep := got.Scheme + "://" + got.Host + got.Path; ep != u.issuer+"/authorize" {
				t.Errorf("endpoint %s, want the discovered authorization endpoint", ep)
			}
			q := got.Query()
			if keys := slices.Sorted(maps.Keys(q)); !slices.Equal(keys, slices.Sorted(maps.Keys(tc.want))) {
				t.Errorf("parameters %v, want exactly %v", keys, slices.Sorted(maps.Keys(tc.want)))
			}
			for k, want := range tc.want {
				if vs := q[k]; len(vs) != 1 || vs[0] != want {
					t.Errorf("%s = %q, want %q", k, vs, want)
				}
			}
		})
	}
}

func TestLoginURLRefusesIncompleteFlow(t *testing.T) {
	u := newUpstream(t, demoidp.Faults{})
	p := open(t, u, u.config())
	for name, edit := range map[string]func(*providers.Leg){
		"no state":       func(f *providers.Leg) { f.State = "" },
		"no nonce":       func(f *providers.Leg) { f.Nonce = "" },
		"short verifier": func(f *providers.Leg) { f.Verifier = "short" },
	} {
		f := newFlow()
		edit(&f)
		if _, _, err := p.LoginURL(context.Background(), f, providers.LoginOptions{}); err == nil {
			t.Errorf("%s: LoginURL accepted the flow", name)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := oidc.Config{Issuer: "https://id.example", ClientID: "c", ClientSecret: "s"}
	for _, tc := range []struct {
		name string
		edit func(*oidc.Config)
		want []string // one substring per expected problem, in order
	}{
		{"valid", func(*oidc.Config) {}, nil},
		{"loopback http", func(c *oidc.Config) { c.Issuer = "http://127.0.0.1:5556/dex" }, nil},
		{"everything missing", func(c *oidc.Config) { *c = oidc.Config{} },
			[]string{"p.issuer: is required", "p.client_id: is required", "p.client_secret: is required"}},
		{"plain http", func(c *oidc.Config) { c.Issuer = "http://id.example" }, []string{"p.issuer: must use https"}},
		{"relative issuer", func(c *oidc.Config) { c.Issuer = "/id" }, []string{"p.issuer: must be an absolute"}},
		{"issuer with query", func(c *oidc.Config) { c.Issuer = "https://id.example/?tenant=1" }, []string{"p.issuer: must not have a query"}},
		{"scopes without openid", func(c *oidc.Config) { c.Scopes = []string{"email", "bad scope"} },
			[]string{`p.scopes: must include "openid"`, `p.scopes[1]: must be a scope token`}},
		{"acr map empty target", func(c *oidc.Config) { c.ACRMap = map[string]string{"urn:x": ""} },
			[]string{"p.acr_map.urn:x: must name a Passerelle acr value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			var ps validate.Problems
			c.Validate(&ps, "p")
			got := ps.List()
			if len(got) != len(tc.want) {
				t.Fatalf("problems %v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	c := oidc.Config{Issuer: "https://id.example", ClientID: "c", ClientSecret: "hunter2"}
	if s := c.LogValue().String(); strings.Contains(s, "hunter2") {
		t.Errorf("LogValue shows the secret: %s", s)
	}
	_, err := oidc.Open("x", oidc.Config{Issuer: "http://id.example", ClientSecret: "hunter2"}, nil, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open error = %v: want an error without the secret", err)
	}
}

package store_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

var rules = store.ClientRules{Providers: []string{"gckey"}, Claims: []string{"email"}, Factors: []string{"totp"},
	ACRs: []string{"loa1", "loa2", "loa3"}, MinACR: "loa2", Steps: []string{"terms"}}

// TestClientValidateListsEveryProblem: one pass names every broken rule
// with its path.
func TestClientValidateListsEveryProblem(t *testing.T) {
	c := store.Client{ID: "rp", Name: map[string]string{"en": "RP"}, Public: true, AuthMethod: "client_secret_post",
		RedirectURIs: []string{"http://rp.example/cb"}, AllowedProviders: []string{"bank"}, UpstreamClaims: []string{"phone"},
		MFA: store.ClientMFA{Factors: []string{"sms"}, ACR: "loa1"}, Steps: []string{"terms", "terms"},
		AllowedOrigins:       []string{"https://ok.example", "https://app.example/path", "http://app.example", "*"},
		BackchannelLogoutURI: "http://rp.example/logout", FrontchannelLogoutURI: "javascript:alert(1)"}
	var ps validate.Problems
	c.Validate(&ps, "clients[0]", rules)
	var ve *validate.Error
	if !errors.As(ps.Err(), &ve) {
		t.Fatal("no problems")
	}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		got[p.Path] = true
	}
	if got["clients[0].allowed_origins[0]"] {
		t.Error("a valid origin is refused")
	}
	for _, path := range []string{"clients[0].public", "clients[0].name.fr", "clients[0].secret", "clients[0].redirect_uris[0]",
		"clients[0].allowed_providers[0]", "clients[0].upstream_claims[0]", "clients[0].mfa.factors[0]", "clients[0].mfa.acr",
		"clients[0].steps[1]", "clients[0].allowed_origins[1]", "clients[0].allowed_origins[2]", "clients[0].allowed_origins[3]",
		"clients[0].backchannel_logout_uri", "clients[0].frontchannel_logout_uri"} {
		if !got[path] {
			t.Errorf("no problem at %s: %v", path, ve.Problems)
		}
	}
}

// TestClientDefaultsAndSecret: the auth method follows from what is
// given, and only the secret's hash is kept.
func TestClientDefaultsAndSecret(t *testing.T) {
	c := store.Client{ID: "rp", Name: map[string]string{"en": "RP", "fr": "RP"}, Secret: "0123456789abcdef0123",
		RedirectURIs: []string{"https://rp.example/cb"}}
	var ps validate.Problems
	c.Validate(&ps, "clients[0]", rules)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	if c.AuthMethod != store.AuthSecretBasic || c.Public || c.SubjectType != "pairwise" || c.IDTokenAlg != "ES256" {
		t.Errorf("defaults: %+v", c)
	}
	if err := c.HashSecret(); err != nil || c.Secret != "" || !bytes.Equal(c.SecretHash, store.HashToken("0123456789abcdef0123")) {
		t.Errorf("HashSecret: %v, %+v", err, c)
	}
	pub := store.Client{ID: "spa", RedirectURIs: []string{"https://spa.example/cb"}}
	pub.SetDefaults()
	if pub.AuthMethod != store.AuthNone || !pub.Public {
		t.Errorf("a client without secret or keys: %+v", pub)
	}
}

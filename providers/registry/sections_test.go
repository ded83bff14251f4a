package registry_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/providers/registry"
)

var names = map[string]string{"en": "Up", "fr": "Amont"}

// TestValidateSections: every problem of every entry comes back at once,
// each with its path, the protocol section's own included.
func TestValidateSections(t *testing.T) {
	cfgs := []registry.Config{
		{ID: "ok", Type: "oidc", Name: names, Sections: map[string]any{"oidc": map[string]any{
			"issuer": "https://up.example", "client_id": "p", "client_secret": "s", "scopes": "openid,email"}}},
		{ID: "typo", Type: "oidc", Name: names, Sections: map[string]any{"oidc": map[string]any{
			"issuer": "https://up.example", "client_id": "p", "client_secret": "s", "isuser": "x"}}},
		{ID: "empty", Type: "oidc", Name: names},
		{ID: "stray", Type: "oidc", Name: names, Sections: map[string]any{
			"oidc":  oidc.Config{Issuer: "https://up.example", ClientID: "p", ClientSecret: "s"},
			"extra": map[string]any{"a": 1}}},
		{ID: "what", Type: "kerberos", Name: names},
	}
	var ps validate.Problems
	registry.Validate(cfgs, nil, &ps)
	var got []string
	for _, p := range ps.List() {
		got = append(got, p.Path)
	}
	want := []string{
		"providers[1].oidc.isuser",
		"providers[2].oidc.issuer", "providers[2].oidc.client_id", "providers[2].oidc.client_secret",
		"providers[3].extra",
		"providers[4].type",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problem paths:\n got %q\nwant %q\n(%v)", got, want, ps.Err())
	}
	if !strings.Contains(ps.List()[len(ps.List())-1].Rule, "oidc") {
		t.Errorf("an unknown type's message does not list the types: %v", ps.List()[len(ps.List())-1])
	}
	ok, _ := cfgs[0].Section().(*oidc.Config)
	if ok == nil || ok.Issuer != "https://up.example" || !slices.Equal(ok.Scopes, []string{"openid", "email"}) {
		t.Errorf("decoded section = %+v", ok)
	}
	if path, m := cfgs[0].ACRMapping(); path != "oidc.acr_map" || m != nil {
		t.Errorf("ACRMapping = %q %v", path, m)
	}
}

// TestOpen opens a validated entry, and one built in code without
// Validate, whose section is decoded then.
func TestOpen(t *testing.T) {
	cfgs := []registry.Config{{ID: "up", Type: "oidc", Name: names, Sections: map[string]any{"oidc": map[string]any{
		"issuer": "https://up.example", "client_id": "p", "client_secret": "s"}}}}
	opened, err := registry.Open(cfgs, nil, nil)
	if err != nil || len(opened) != 1 || opened[0].ID != "up" || opened[0].Provider == nil {
		t.Fatalf("Open = %+v, %v", opened, err)
	}
	bad := []registry.Config{{ID: "bad", Type: "oidc", Name: names, Sections: map[string]any{"oidc": map[string]any{"nope": 1}}}}
	if _, err := registry.Open(bad, nil, nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("Open of an invalid section: %v", err)
	}
}

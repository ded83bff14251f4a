package oidc_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/providers"
)

// TestACRValuesFromTheMapping: the authorization request carries as
// acr_values the upstream values acr_map maps to the levels the sign-in
// accepts, lowest level first; none when it accepts any; Assures says
// whether the mapping reaches one.
func TestACRValuesFromTheMapping(t *testing.T) {
	const loa2, loa3, loa4 = "urn:gc-ca:cyber-auth:assurance:loa2", "urn:gc-ca:cyber-auth:assurance:loa3", "urn:gc-ca:cyber-auth:assurance:loa4"
	u := newUpstream(t, demoidp.Faults{})
	cfg := u.config()
	cfg.ACRMap = map[string]string{"basic": loa2, "proven": loa3, "proven-in-person": loa3, "strong": loa4}
	p := open(t, u, cfg)
	for _, tc := range []struct {
		acr  []string
		want string
	}{
		{nil, ""},
		{[]string{loa3, loa4}, "proven proven-in-person strong"},
		{[]string{loa4}, "strong"},
	} {
		login, _, err := p.LoginURL(context.Background(), newFlow(), providers.LoginOptions{ACR: tc.acr})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.Parse(login)
		if got := q.Query().Get("acr_values"); got != tc.want {
			t.Errorf("acr_values for %v: %q, want %q", tc.acr, got, tc.want)
		}
	}
	if !p.Assures([]string{loa4}) || p.Assures([]string{"urn:other"}) {
		t.Error("Assures does not follow acr_map")
	}
}

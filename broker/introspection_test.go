package broker

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"
)

// TestIntrospectionAsTheLibraryEncodesIt: introspection.encode gives the
// JSON object the library's IntrospectionResponse gave for the same
// answer, claims merged as it merges them (a present member wins over a
// claim of its name, an absent one does not): an inactive token, an
// access token with every member and a DPoP key, a refresh token without
// token_type whose steps give claims named token_type, active and cnf.
func TestIntrospectionAsTheLibraryEncodesIt(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	full := func(tokenType, jkt string, other map[string]any) (*introspection, *oidc.IntrospectionResponse) {
		ours := &introspection{Active: true, Scope: []string{"openid", "email"}, ClientID: "rp1", TokenType: tokenType,
			Expiration: oidc.FromTime(at.Add(time.Hour)), IssuedAt: oidc.FromTime(at), AuthTime: oidc.FromTime(at),
			Subject: "sub-1", Audience: []string{"rp1"}, AMR: []string{"pwd", "otp"}, Issuer: "https://passerelle.example",
			Name: "Alex <Martin>", GivenName: "Alex", FamilyName: "Martin", Locale: oidc.NewLocale(language.French),
			Email: "alex@example.com", EmailVerified: true, other: other}
		lib := &oidc.IntrospectionResponse{Active: true, Scope: ours.Scope, ClientID: "rp1", TokenType: tokenType,
			Expiration: ours.Expiration, IssuedAt: ours.IssuedAt, AuthTime: ours.AuthTime, Subject: "sub-1",
			Audience: ours.Audience, AuthenticationMethodsReferences: ours.AMR, Issuer: ours.Issuer}
		lib.Name, lib.GivenName, lib.FamilyName, lib.Locale = ours.Name, ours.GivenName, ours.FamilyName, ours.Locale
		lib.Email, lib.EmailVerified = ours.Email, ours.EmailVerified
		lib.Claims = map[string]any{}
		for k, v := range other {
			lib.Claims[k] = v
		}
		if jkt != "" {
			ours.Confirmation = &confirmation{JKT: jkt}
			lib.Claims["cnf"] = map[string]string{"jkt": jkt}
		}
		return ours, lib
	}
	steps := map[string]any{"legacy_id": "L-1", "idp": "gckey", "org": map[string]string{"id": "o1"},
		"roles": []string{"admin"}, "token_type": "step", "active": "step", "cnf": "step", "nickname": "step"}
	access, accessLib := full("DPoP", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", steps)
	refresh, refreshLib := full("", "", steps)
	for _, c := range []struct {
		name string
		ours *introspection
		lib  *oidc.IntrospectionResponse
	}{
		{"inactive", new(introspection), new(oidc.IntrospectionResponse)},
		{"access", access, accessLib},
		{"refresh", refresh, refreshLib},
	} {
		b, err := c.ours.encode()
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(c.lib)
		if err != nil {
			t.Fatal(err)
		}
		var got, exp map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %s: %v", c.name, b, err)
		}
		if err := json.Unmarshal(want, &exp); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, b, want)
		}
		if b[len(b)-1] != '\n' {
			t.Errorf("%s: no final newline", c.name)
		}
	}
}

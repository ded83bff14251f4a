package webauthn

import (
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string // substring of the problems; "" for none
	}{
		{"localhost", Config{RPID: "localhost", Origins: []string{"http://localhost:8080"}}, ""},
		{"subdomain", Config{RPID: "example.gc.ca", Origins: []string{"https://login.example.gc.ca"}}, ""},
		{"no rp_id", Config{Origins: []string{"http://localhost:8080"}}, "mfa.webauthn.rp_id: must be a host name"},
		{"rp_id with port", Config{RPID: "localhost:8080", Origins: []string{"http://localhost:8080"}}, "rp_id"},
		{"rp_id an IP", Config{RPID: "127.0.0.1", Origins: []string{"http://127.0.0.1:8080"}}, "rp_id"},
		{"no origins", Config{RPID: "localhost"}, "origins: must list at least one origin"},
		{"origin with path", Config{RPID: "localhost", Origins: []string{"http://localhost:8080/login"}}, "origins[0]: must be an origin"},
		{"plain http", Config{RPID: "example.gc.ca", Origins: []string{"http://example.gc.ca"}}, "must use https"},
		{"other host", Config{RPID: "example.gc.ca", Origins: []string{"https://badexample.gc.ca"}}, "must be on rp_id"},
		{"bad verification", Config{RPID: "localhost", Origins: []string{"http://localhost"}, UserVerification: "always"}, "user_verification: must be one of"},
		{"bad resident key", Config{RPID: "localhost", Origins: []string{"http://localhost"}, ResidentKey: "yes"}, "resident_key: must be one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.SetDefaults()
			var ps validate.Problems
			c.cfg.Validate(&ps, "mfa.webauthn")
			err := ps.Err()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected problems: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("problems %v, want one with %q", err, c.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	var c Config
	c.SetDefaults()
	if c.RPDisplayName != "Passerelle" || c.UserVerification != "preferred" || c.ResidentKey != "discouraged" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestNewRefuses(t *testing.T) {
	sealer, err := store.NewSealer(make([]byte, store.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{RPID: "localhost"}, sealer); err == nil {
		t.Error("New accepted a config without origins")
	}
	if _, err := New(Config{RPID: "localhost", Origins: []string{"http://localhost"}}, nil); err == nil {
		t.Error("New accepted a nil sealer")
	}
	f, err := New(Config{RPID: "localhost", Origins: []string{"http://localhost"}}, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.BeginRegistration(User{Name: "x"}, nil); err == nil {
		t.Error("BeginRegistration accepted an empty account ID")
	}
	if _, _, err := f.BeginRegistration(User{AccountID: strings.Repeat("a", 65), Name: "x"}, nil); err == nil {
		t.Error("BeginRegistration accepted a 65-byte account ID")
	}
}

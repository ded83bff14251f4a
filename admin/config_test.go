package admin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/internal/validate"
)

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		cfg   admin.Config
		paths []string
	}{
		{"off", admin.Config{}, nil},
		{"token", admin.Config{Token: testToken}, nil},
		{"file", admin.Config{TokenFile: "/run/secrets/admin"}, nil},
		{"short", admin.Config{Token: "short-token"}, []string{"admin.token"}},
		{"both", admin.Config{Token: testToken, TokenFile: "/run/secrets/admin"}, []string{"admin.token_file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ps validate.Problems
			c.cfg.Validate(&ps, "admin")
			var got []string
			for _, p := range ps.List() {
				got = append(got, p.Path)
				if strings.Contains(p.String(), c.cfg.Token) && c.cfg.Token != "" {
					t.Errorf("the problem shows the token: %s", p)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.paths, ",") {
				t.Errorf("problems at %v, want %v", got, c.paths)
			}
			if c.cfg.Enabled() != (c.name != "off") {
				t.Errorf("Enabled() = %v", c.cfg.Enabled())
			}
		})
	}
}

func TestResolveToken(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(good, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(short, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := (&admin.Config{TokenFile: good}).ResolveToken(); err != nil || tok != testToken {
		t.Errorf("file: %q, %v", tok, err)
	}
	if tok, err := (&admin.Config{Token: testToken}).ResolveToken(); err != nil || tok != testToken {
		t.Errorf("token: %q, %v", tok, err)
	}
	if tok, err := (&admin.Config{}).ResolveToken(); err != nil || tok != "" {
		t.Errorf("off: %q, %v", tok, err)
	}
	for _, f := range []string{short, filepath.Join(dir, "missing")} {
		if _, err := (&admin.Config{TokenFile: f}).ResolveToken(); err == nil {
			t.Errorf("%s: no error", filepath.Base(f))
		}
	}
}

package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/validate"
)

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  Config
		want []string // problem paths and rules, in order
	}{
		{"defaults", Config{}, nil},
		{"reordered", Config{Languages: []string{"fr", "en"}, ThemeDir: dir}, nil},
		{"unsupported", Config{Languages: []string{"en", "fr", "de"}}, []string{`ui.languages[2]: must be one of en, fr, got "de"`}},
		{"repeated", Config{Languages: []string{"en", "fr", "en"}}, []string{`ui.languages[2]: must not repeat a language, got "en"`}},
		{"one language", Config{Languages: []string{"fr"}}, []string{`ui.languages: must include en (both official languages are required), got "[fr]"`}},
		{"missing theme", Config{ThemeDir: dir + "/nope"}, []string{`ui.theme_dir: must be an existing directory, got "` + dir + `/nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SetDefaults()
			var ps validate.Problems
			tc.cfg.Validate(&ps, "ui")
			var got []string
			for _, p := range ps.List() {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems\n%q\nwant\n%q", got, tc.want)
			}
			_, err := New(tc.cfg, true)
			if (err == nil) != (tc.want == nil) {
				t.Errorf("New error = %v", err)
			}
		})
	}
	var c Config
	c.SetDefaults()
	if strings.Join(c.Languages, ",") != "en,fr" {
		t.Errorf("default languages %v", c.Languages)
	}
}

// TestValidateLogo: a provider's logo is an image of the static assets,
// embedded or in the theme directory, named by a path under /static/.
func TestValidateLogo(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "banks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "banks", "own.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	themed := Config{ThemeDir: dir}
	for _, tc := range []struct {
		name string
		cfg  Config
		logo string
		want string // "" for none
	}{
		{"embedded placeholder", Config{}, "demo/bank-maple.svg", ""},
		{"in the theme", themed, "banks/own.png", ""},
		{"theme file without a theme", Config{}, "banks/own.png", `p.logo: must name a file of the static assets (embedded, or in ui.theme_dir), got "banks/own.png"`},
		{"missing", themed, "banks/none.svg", `p.logo: must name a file of the static assets (embedded, or in ui.theme_dir), got "banks/none.svg"`},
		{"a directory", themed, "banks.svg/..", `p.logo: must be a relative path under the static assets ending in .svg, .png, .webp (banks/maple.svg), got "banks.svg/.."`},
		{"outside", themed, "../own.png", `p.logo: must be a relative path under the static assets ending in .svg, .png, .webp (banks/maple.svg), got "../own.png"`},
		{"absolute", themed, "/etc/logo.png", `p.logo: must be a relative path under the static assets ending in .svg, .png, .webp (banks/maple.svg), got "/etc/logo.png"`},
		{"not an image", Config{}, "page.js", `p.logo: must be a relative path under the static assets ending in .svg, .png, .webp (banks/maple.svg), got "page.js"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps validate.Problems
			tc.cfg.ValidateLogo(&ps, "p.logo", tc.logo)
			var got string
			if l := ps.List(); len(l) > 0 {
				got = l[0].String()
			}
			if got != tc.want || len(ps.List()) > 1 {
				t.Errorf("got %v, want %q", ps.List(), tc.want)
			}
		})
	}
}

package ui

import (
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

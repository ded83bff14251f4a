package ui

import (
	"fmt"
	"os"

	"github.com/passerelle/passerelle/internal/validate"
)

// supported lists the languages that have a catalogue, in default order.
var supported = []string{"en", "fr"}

// Config is the `ui` section of the configuration.
type Config struct {
	// Languages offered, in order of preference: the first is used when a
	// page is asked for in a language that is not offered, and it comes
	// first on the bilingual choice page. Default ["en","fr"]; only en and
	// fr are supported, and both are required (federal services are
	// offered in both official languages).
	Languages []string `mapstructure:"languages" yaml:"languages"`
	// ThemeDir is an optional directory whose files override the embedded
	// static assets (style.css, logo.svg ...), served under /static/.
	ThemeDir string `mapstructure:"theme_dir" yaml:"theme_dir"`
}

// SetDefaults fills in the languages when none are configured.
func (c *Config) SetDefaults() {
	if len(c.Languages) == 0 {
		c.Languages = append([]string(nil), supported...)
	}
}

// Validate adds every problem of c to ps, each with its path below path
// (for example "ui"). Call SetDefaults first.
func (c *Config) Validate(ps *validate.Problems, path string) {
	langs := join(path, "languages")
	seen := make(map[string]bool)
	for i, l := range c.Languages {
		p := fmt.Sprintf("%s[%d]", langs, i)
		ps.OneOf(p, l, supported...)
		if seen[l] {
			ps.Add(p, "must not repeat a language", l)
		}
		seen[l] = true
	}
	for _, l := range supported {
		if !seen[l] {
			ps.Add(langs, "must include "+l+" (both official languages are required)", fmt.Sprint(c.Languages))
		}
	}
	if c.ThemeDir != "" {
		if fi, err := os.Stat(c.ThemeDir); err != nil || !fi.IsDir() {
			ps.Add(join(path, "theme_dir"), "must be an existing directory", c.ThemeDir)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

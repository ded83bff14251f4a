package ui

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	pathpkg "path"
	"slices"
	"strings"

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
	// Footer holds the operator's links shown in every page's footer,
	// each a URL per language; a link without URLs is left out.
	Footer FooterLinks `mapstructure:"footer" yaml:"footer"`
	// Banner is the official-site banner's text above the header, per
	// language (optional; the demo's says it is a demonstration).
	Banner map[string]string `mapstructure:"banner" yaml:"banner"`
}

// FooterLinks are the operator's footer links (Canada.ca's "terms and
// conditions", "privacy", help and contact), each language → URL: an
// absolute http(s) URL or a path on this server.
type FooterLinks struct {
	Terms   map[string]string `mapstructure:"terms" yaml:"terms"`
	Privacy map[string]string `mapstructure:"privacy" yaml:"privacy"`
	Help    map[string]string `mapstructure:"help" yaml:"help"`
	Contact map[string]string `mapstructure:"contact" yaml:"contact"`
}

// each lists the links with their catalogue key, in the footer's order.
func (f FooterLinks) each() []footerLink {
	return []footerLink{{"terms", f.Terms}, {"privacy", f.Privacy}, {"help", f.Help}, {"contact", f.Contact}}
}

type footerLink struct {
	key  string
	urls map[string]string
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
	for _, l := range c.Footer.each() {
		c.validateTexts(ps, join(path, "footer."+l.key), l.urls, true)
	}
	c.validateTexts(ps, join(path, "banner"), c.Banner, false)
	if c.ThemeDir != "" {
		if fi, err := os.Stat(c.ThemeDir); err != nil || !fi.IsDir() {
			ps.Add(join(path, "theme_dir"), "must be an existing directory", c.ThemeDir)
		}
	}
}

// validateTexts checks a per-language map: languages offered, all of
// them when any, and (isURL) each an http(s) URL or a local path.
func (c *Config) validateTexts(ps *validate.Problems, path string, m map[string]string, isURL bool) {
	if len(m) == 0 {
		return
	}
	for _, l := range c.Languages {
		if strings.TrimSpace(m[l]) == "" {
			ps.Add(join(path, l), "must be set for every offered language when any is", "")
		}
	}
	for l, v := range m {
		if !slices.Contains(c.Languages, l) {
			ps.Add(join(path, l), "must be an offered language", l)
			continue
		}
		if u, err := url.Parse(v); isURL && v != "" && (err != nil || !(u.Scheme == "https" || u.Scheme == "http") && !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//")) {
			ps.Add(join(path, l), "must be an http(s) URL or a path starting with /", v)
		}
	}
}

// logoTypes are the image types a logo may be.
var logoTypes = []string{".svg", ".png", ".webp"}

// ValidateLogo adds a problem at path unless name is an image of the
// static assets (embedded, or in theme_dir): a provider's logo, served
// from this server under /static/ (no page loads anything from
// elsewhere).
func (c *Config) ValidateLogo(ps *validate.Problems, path, name string) {
	if !fs.ValidPath(name) || name == "." || !slices.Contains(logoTypes, strings.ToLower(pathpkg.Ext(name))) {
		ps.Add(path, "must be a relative path under the static assets ending in "+strings.Join(logoTypes, ", ")+" (banks/maple.svg)", name)
		return
	}
	if _, err := fs.Stat(staticFS, "static/"+name); err == nil {
		return
	}
	if c.ThemeDir != "" {
		if root, err := os.OpenRoot(c.ThemeDir); err == nil {
			defer root.Close()
			if fi, err := root.Stat(name); err == nil && !fi.IsDir() {
				return
			}
		}
	}
	ps.Add(path, "must name a file of the static assets (embedded, or in ui.theme_dir)", name)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

package terms

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/internal/validate"
)

// maxText bounds one language's text: far above any terms of use.
const maxText = 64 << 10

// Config is a client's terms of use (clients[].terms).
type Config struct {
	// Version names the text; a new version is accepted anew.
	Version string `mapstructure:"version" yaml:"version"`
	// Files are the text files by language (en and fr): plain text,
	// paragraphs separated by blank lines.
	Files map[string]string `mapstructure:"files" yaml:"files"`
	// EverySignIn asks at every sign-in instead of once per version.
	EverySignIn bool `mapstructure:"every_sign_in" yaml:"every_sign_in"`
}

// Terms is a loaded text, ready to show.
type Terms struct {
	Version     string
	Paragraphs  map[string][]string // language → paragraphs
	EverySignIn bool
}

// Validate lists the problems of c under path; each language's file must
// be readable UTF-8 text of at most 64 KiB.
func (c *Config) Validate(ps *validate.Problems, path string, languages []string) {
	ps.Required(path+".version", c.Version)
	for _, lang := range languages {
		p := path + ".files." + lang
		if c.Files[lang] == "" {
			ps.Add(p, "is required", nil)
			continue
		}
		if _, err := readText(c.Files[lang]); err != nil {
			ps.Add(p, err.Error(), c.Files[lang])
		}
	}
	for lang := range c.Files {
		if !contains(languages, lang) {
			ps.Add(path+".files."+lang, "must be one of "+strings.Join(languages, ", "), lang)
		}
	}
}

// Load reads the text files of a valid c.
func (c *Config) Load() (Terms, error) {
	t := Terms{Version: c.Version, EverySignIn: c.EverySignIn, Paragraphs: map[string][]string{}}
	for lang, file := range c.Files {
		text, err := readText(file)
		if err != nil {
			return t, fmt.Errorf("terms %s: %w", file, err)
		}
		t.Paragraphs[lang] = paragraphs(text)
	}
	return t, nil
}

func readText(file string) (string, error) {
	b, err := os.ReadFile(file)
	switch {
	case err != nil:
		return "", fmt.Errorf("must be a readable file")
	case len(b) > maxText:
		return "", fmt.Errorf("must be at most 64 KiB")
	case !utf8.Valid(b) || strings.TrimSpace(string(b)) == "":
		return "", fmt.Errorf("must be non-empty UTF-8 text")
	}
	return string(b), nil
}

// paragraphs splits text at blank lines; lines within one join with a
// space.
func paragraphs(text string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p := strings.Join(strings.Fields(block), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

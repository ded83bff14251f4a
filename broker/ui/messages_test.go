package ui

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func readCatalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := messageFS.ReadFile("messages/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCataloguesMatch: every key in every catalogue, none extra, none
// empty, and the same fmt verbs in each translation.
func TestCataloguesMatch(t *testing.T) {
	entries, err := fs.ReadDir(messageFS, "messages")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(supported) {
		t.Errorf("messages/ holds %d files, want one per supported language %v", len(entries), supported)
	}
	en := readCatalogue(t, "en")
	for _, lang := range supported {
		m := readCatalogue(t, lang)
		for _, k := range sortedKeys(en) {
			v, ok := m[k]
			switch {
			case !ok:
				t.Errorf("%s: missing key %q", lang, k)
			case strings.TrimSpace(v) == "":
				t.Errorf("%s: key %q is empty", lang, k)
			case !slices.Equal(verbRE.FindAllString(v, -1), verbRE.FindAllString(en[k], -1)):
				t.Errorf("%s: key %q has verbs %q, en has %q", lang, k, verbRE.FindAllString(v, -1), verbRE.FindAllString(en[k], -1))
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: extra key %q not in en", lang, k)
			}
		}
	}
}

// TestFrenchTypography: typographic apostrophe, and a no-break space
// before the colon and inside guillemets (Canadian usage).
func TestFrenchTypography(t *testing.T) {
	for k, v := range readCatalogue(t, "fr") {
		for _, bad := range []string{"'", " :", "« ", " »"} {
			if strings.Contains(v, bad) {
				t.Errorf("fr %q contains %q: %q", k, bad, v)
			}
		}
	}
}

// TestDocListsEveryKey keeps the key list in keys*.go, which the broker's
// author reads, equal to the catalogue.
func TestDocListsEveryKey(t *testing.T) {
	files, err := filepath.Glob("keys*.go")
	if err != nil || len(files) == 0 {
		t.Fatal("no keys*.go", err)
	}
	var documented []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^//\t([a-z][a-z0-9_.]*) `).FindAllStringSubmatch(string(b), -1) {
			documented = append(documented, m[1])
		}
	}
	slices.Sort(documented)
	if want := sortedKeys(readCatalogue(t, "en")); !slices.Equal(documented, want) {
		t.Errorf("keys*.go list\n%q\ncatalogue has\n%q", documented, want)
	}
}

// TestKeysInUseExist: every key named by a template or by the Go code
// exists, so no page can ever show a bare key.
func TestKeysInUseExist(t *testing.T) {
	en := readCatalogue(t, "en")
	used := []string{"lang.name", "language.title", "chooser.group.hint", "nav.back", "nav.cancel", "error.generic.message",
		"mfa.lost", "mfa.enrol.title", "webauthn.register.title", "errors.field",
		"password.hint.length", "password.hint.except", "password.hint.any"}
	for _, s := range pageSpecs {
		used = append(used, s.title)
	}
	// The keys derived from a kind (no page names a kind itself): every
	// code page's title, label and intro, every factor's label and add
	// button.
	for _, k := range []string{"totp", "email", "recovery", "confirm", "change-email"} {
		used = append(used, codeKey(k, "title"), codeKey(k, "label"), codeKey(k, "intro"))
	}
	for _, k := range []string{"totp", "email", "webauthn", "recovery"} {
		used = append(used, kindKey(k))
	}
	for _, k := range []string{"totp", "email", "webauthn"} {
		used = append(used, "security.add."+k)
	}
	keyRE := regexp.MustCompile(`\.(?:T|L|TIn "[a-z]+") "([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is used but not in the catalogue", k)
		}
	}
}

func TestT(t *testing.T) {
	u := newUI(t, true)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "nav.cancel", nil, "Cancel"},
		{"fr", "nav.cancel", nil, "Annuler"},
		{"fr", "partner.name", nil, "Partenaire de connexion"},
		{"en", "chooser.intro", []any{"IP Office"}, "IP Office uses Passerelle to confirm your identity. Choose how you want to sign in."},
		{"fr", "error.reference", []any{"AB12"}, "Si vous communiquez avec le soutien, donnez-lui cette référence\u00a0: AB12"},
		{"en", "no.such.key", nil, "no.such.key"},
		{"de", "nav.back", nil, "Back"},
	}
	for _, tc := range tests {
		if got := u.T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %q) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
}

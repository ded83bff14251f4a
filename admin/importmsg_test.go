package admin

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/passhash"
)

// verbs are the fmt verbs of a format, in order.
var verbs = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// keyUse finds a catalogue key where the import code names one: a
// problem, a refusal, or a text of the report.
var keyUse = regexp.MustCompile(`(?:problem|refuse|ImportText\([^,()]+,|importFile\([^"]*)\(?\s*"([a-z0-9_.-]*[a-z0-9_-])"`)

// TestImportCatalogueComplete: every message of the import reports is in
// English and French, with the same verbs in the same order; every reason
// passhash gives has its message; every key the import code and the
// import commands name is in the catalogue.
func TestImportCatalogueComplete(t *testing.T) {
	for _, key := range ImportKeys() {
		en, fr := importCatalogue["en"][key], importCatalogue["fr"][key]
		switch {
		case en == "" || fr == "":
			t.Errorf("%s: en %q, fr %q", key, en, fr)
		case !slices.Equal(verbs.FindAllString(en, -1), verbs.FindAllString(fr, -1)):
			t.Errorf("%s: verbs differ:\n en %q\n fr %q", key, en, fr)
		case en == fr:
			t.Errorf("%s: the French is the English: %q", key, en)
		}
	}
	for reason := range passhash.Reasons {
		if importCatalogue["fr"]["hash."+reason] == "" {
			t.Errorf("passhash reason %q has no French message", reason)
		}
	}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("../cmd/passerelle/*.go")
	used := 0
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(src), -1) {
			used++
			if _, ok := importCatalogue["en"][m[1]]; !ok {
				t.Errorf("%s names %q, which the catalogue lacks", name, m[1])
			}
		}
	}
	if used < 30 {
		t.Errorf("found %d uses of catalogue keys; the scan is broken", used)
	}
}

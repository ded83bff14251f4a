package ui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatic(t *testing.T) {
	theme := t.TempDir()
	if err := os.WriteFile(filepath.Join(theme, "style.css"), []byte("/* theme */"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(theme, "escape.css")); err != nil {
		t.Fatal(err)
	}
	plain := newUI(t, true)
	themed, err := New(Config{ThemeDir: theme}, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		u          *UI
		path       string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"embedded css", plain, "/static/style.css", 200, "text/css", "GC Design System"},
		{"self-hosted font", plain, "/static/fonts/lato-latin-700-normal.woff2", 200, "font/woff2", "wOF2"},
		{"GC Design System tokens", plain, "/static/gcds-tokens.css", 200, "text/css", "--gcds-link-default"},
		{"embedded logo", plain, "/static/logo.svg", 200, "image/svg+xml", "<svg"},
		{"theme overrides", themed, "/static/style.css", 200, "text/css", "/* theme */"},
		{"theme falls back", themed, "/static/logo.svg", 200, "image/svg+xml", "<svg"},
		{"no listing", plain, "/static/", 404, "", ""},
		{"missing", plain, "/static/nope.css", 404, "", ""},
		{"dot-dot", plain, "/static/../ui.go", 404, "", ""},
		{"outside prefix", plain, "/style.css", 404, "", ""},
		{"behind StripPrefix", plain, "style.css", 200, "text/css", "GC Design System"},
		{"behind StripPrefix, dot-dot", plain, "../ui.go", 404, "", ""},
		{"symlink out of theme", themed, "/static/escape.css", 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.URL.Path = tc.path // as a mux would pass it, without cleaning
			w := httptest.NewRecorder()
			tc.u.Static().ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.wantType) {
				t.Errorf("Content-Type = %q, want %q", ct, tc.wantType)
			}
			if !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("body lacks %q", tc.wantBody)
			}
		})
	}
}

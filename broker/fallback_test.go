package broker

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker/ui"
)

// TestPlainErrorsBecomePages: an unknown address, a method a route does
// not take and a handler's panic each get the bilingual error page in
// the page frame (title, lang), with its status (and Allow on a 405),
// never Go's plain text; a matched route's own answer goes through.
func TestPlainErrorsBecomePages(t *testing.T) {
	u, err := ui.New(ui.Config{}, false)
	if err != nil {
		t.Fatal(err)
	}
	b := &Broker{pages: pages{ui: u}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /here", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "own 404", http.StatusNotFound) })
	mux.HandleFunc("POST /form", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("a bug") })
	h := b.withPages(mux)
	for _, c := range []struct {
		method, path, lang string
		status             int
		want               string
	}{
		{"GET", "/nowhere", "en", http.StatusNotFound, "<title>Page not found – Passerelle</title>"},
		{"GET", "/nowhere", "fr", http.StatusNotFound, "<title>Page introuvable – Passerelle</title>"},
		{"GET", "/form", "en", http.StatusMethodNotAllowed, "<title>This page cannot be used that way – Passerelle</title>"},
		{"GET", "/boom", "fr", http.StatusInternalServerError, "<title>Une erreur s’est produite de notre côté – Passerelle</title>"},
		{"GET", "/here", "en", http.StatusNotFound, "own 404"},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.Header.Set("Accept-Language", c.lang)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s (%s): %d %q, want %d with %q", c.method, c.path, c.lang, w.Code, body, c.status, c.want)
			continue
		}
		if c.path == "/here" {
			continue
		}
		if !strings.Contains(body, `<html lang="`+c.lang+`">`) || !strings.Contains(body, `href="/account"`) || strings.Contains(body, "page not found\n") {
			t.Errorf("%s %s: not the framed page with its ways forward: %.600s", c.method, c.path, body)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}
	r := httptest.NewRequest("GET", "/form", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Header().Get("Allow") != "POST" {
		t.Errorf("405 Allow = %q, want POST", w.Header().Get("Allow"))
	}
}

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// TestErrorTitle: a page that shows errors (a failed submission) has a
// <title> that starts with "Error:" / « Erreur : »; the h1 stays the
// page's own; without errors the title is the page's.
func TestErrorTitle(t *testing.T) {
	u := newUI(t, true)
	errs := []FieldError{{Field: "code", Message: "x"}}
	for _, tc := range []struct {
		lang string
		errs []FieldError
		want string
	}{
		{"en", errs, "<title>Error: Enter the code from your authenticator app – Passerelle</title>"},
		{"fr", errs, "<title>Erreur\u00a0: "},
		{"en", nil, "<title>Enter the code from your authenticator app – Passerelle</title>"},
	} {
		body, all := renderPage(t, u, tc.lang, PageCode, &CodeData{Common: Common{Errors: tc.errs}, Kind: "totp", Action: "/a"})
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s, %d errors: no %q in %.300s", tc.lang, len(tc.errs), tc.want, body)
		}
		if h1 := find(all, "h1"); len(h1) != 1 || strings.HasPrefix(h1[0].text.String(), "Err") {
			t.Errorf("%s: the h1 changed: %v", tc.lang, h1)
		}
	}
}

// TestFormsNovalidate: no form lets the browser check it (its bubble, in
// the browser's language, instead of the page's bilingual error summary).
func TestFormsNovalidate(t *testing.T) {
	u := newUI(t, true)
	for page, datas := range samples() {
		for _, d := range datas {
			_, all := renderPage(t, u, "fr", page, d)
			for _, f := range find(all, "form") {
				if !f.has("novalidate") {
					t.Errorf("%s: form %v without novalidate", page, f.attrs)
				}
			}
		}
	}
}

// TestNoExternalRequests: no page loads anything from another origin:
// style sheets, fonts (through the style sheets), scripts and images
// are this server's /static/ files or data: URLs.
func TestNoExternalRequests(t *testing.T) {
	u := newUI(t, true)
	for page, datas := range samples() {
		_, all := renderPage(t, u, "fr", page, datas[0])
		for _, e := range all {
			var ref string
			switch e.name {
			case "link":
				ref = e.attrs["href"]
			case "script", "img":
				ref = e.attrs["src"]
			default:
				continue
			}
			if !strings.HasPrefix(ref, "/static/") && !strings.HasPrefix(ref, "data:") {
				t.Errorf("%s: <%s> loads %q", page, e.name, ref)
			}
		}
	}
	css, err := staticFS.ReadFile("static/fonts.css")
	if err != nil || strings.Contains(string(css), "url(\"http") || strings.Contains(string(css), "url(\"//") {
		t.Errorf("fonts.css: %v, or it names another origin", err)
	}
}

// TestPageFrame: Canada.ca's anatomy on every page: the official-site
// banner (when configured), the signature in the page's language, the
// language toggle, the app bar, and the footer with the operator's links
// in the page's language and the wordmark.
func TestPageFrame(t *testing.T) {
	cfg := Config{Banner: map[string]string{"en": "Demonstration", "fr": "Démonstration"},
		Footer: FooterLinks{Terms: map[string]string{"en": "https://example.ca/terms", "fr": "https://example.ca/avis"},
			Help: map[string]string{"en": "/help", "fr": "/aide"}}}
	u, err := New(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := renderPage(t, u, "fr", PageHome, &HomeData{})
	for _, want := range []string{`<div class="gc-banner"><div class="container"><p>Démonstration</p>`,
		`<img src="/static/signature-fr.svg" alt="Gouvernement du Canada"`, `<a href="https://example.ca/avis">Avis</a>`,
		`<a href="/aide">Aide</a>`, `<img src="/static/wordmark.svg" alt="Symbole du gouvernement du Canada"`, `class="app-bar"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in %s", want, body)
		}
	}
	if strings.Contains(body, "Confidentialité") {
		t.Error("a footer link without a URL is shown")
	}
	var ps validate.Problems
	bad := Config{Languages: []string{"en", "fr"}, Footer: FooterLinks{Privacy: map[string]string{"en": "javascript:alert(1)", "de": "/x"}}}
	bad.Validate(&ps, "ui")
	for _, want := range []string{"ui.footer.privacy.en", "ui.footer.privacy.fr", "ui.footer.privacy.de"} {
		if !strings.Contains(ps.Err().Error(), want) {
			t.Errorf("problems lack %s: %v", want, ps.Err())
		}
	}
}

// TestTimeLimit: a page with a time limit says how long is left in words
// in its language, and carries the hidden warning with its button
// (type=button, outside any form) and what page.js needs.
func TestTimeLimit(t *testing.T) {
	u := newUI(t, true)
	for _, tc := range []struct {
		lang string
		left time.Duration
		want string
	}{
		{"en", 29*time.Minute + 10*time.Second, "You have 30 minutes left to finish signing in."},
		{"fr", 61 * time.Second, "Il vous reste 2\u00a0minutes pour terminer votre connexion."},
		{"en", 50 * time.Second, "You have less than a minute left"},
	} {
		body, all := renderPage(t, u, tc.lang, PageChooser, &ChooserData{Common: Common{CSRF: "tok",
			Limit: &TimeLimit{Left: tc.left, ExtendAction: "/login/abc/extend"}}, ClientName: "IP Office", Choices: sampleChoices})
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s %v: no %q in %s", tc.lang, tc.left, tc.want, body)
		}
		for _, e := range find(all, "button") {
			if e.has("data-extend-button") && (e.attrs["type"] != "button" || !e.has("hidden") || within(e, "form")) {
				t.Errorf("extend button %v", e.attrs)
			}
		}
		for _, e := range find(all, "div") {
			if e.has("data-time-limit") && (e.attrs["data-extend"] != "/login/abc/extend" || e.attrs["data-csrf"] != "tok") {
				t.Errorf("time limit %v", e.attrs)
			}
		}
	}
	if body, _ := renderPage(t, u, "en", PageChooser, &ChooserData{Choices: sampleChoices}); strings.Contains(body, "data-time-limit") {
		t.Error("a time limit on a page without one")
	}
}

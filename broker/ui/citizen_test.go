package ui

import (
	"strings"
	"testing"
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

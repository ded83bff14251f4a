package main

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// TestDemoDormantAccount: in the demo, robin's Maple Bank account was
// last used three years ago; signing in as robin from the government
// portal stops on the dormant page, in French when the portal asks for
// French, with the demo's contact, and the portal gets nothing.
func TestDemoDormantAccount(t *testing.T) {
	_, urls := runDemo(t)
	gov := urls["Demo relying party"]
	for _, tc := range []struct{ locale, title, contact string }{
		{"", "Your account is inactive", demoAccounts.Contact["en"]},
		{"fr", "Votre compte est inactif", demoAccounts.Contact["fr"]},
	} {
		b := testbrowser.New(t, func(*url.URL) bool { return false })
		p := b.Post(gov+"login", url.Values{"idp_hint": {"bank-a"}, "ui_locales": {tc.locale}})
		to, v, ok := p.Action("/authorize")
		if !ok {
			t.Fatalf("no bank sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
		}
		v.Set("username", demoDormantUser)
		v.Set("password", "demo-password")
		v.Set("action", "signin")
		p = b.Post(to, v)
		body := html.UnescapeString(p.Body)
		if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(body, tc.title) || !strings.Contains(body, tc.contact) {
			t.Errorf("robin's sign-in (%q): %d at %s: %.800s", tc.locale, p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
		}
	}
}

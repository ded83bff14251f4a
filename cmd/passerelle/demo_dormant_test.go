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

// TestDemoQuebecAssurance: asking the demo for loa3 through Quebec, a
// basic identity (alex) is refused with the assurance page and a proven
// one (sam) goes on (to the first sign-in's choice).
func TestDemoQuebecAssurance(t *testing.T) {
	issuer, urls := runDemo(t)
	gov := urls["Demo relying party"]
	for _, tc := range []struct {
		user string
		want func(p testbrowser.Page) bool
	}{
		{"alex", func(p testbrowser.Page) bool {
			return p.Resp.StatusCode == http.StatusForbidden && strings.Contains(html.UnescapeString(p.Body), "not confirmed at the level")
		}},
		{"sam", func(p testbrowser.Page) bool { return strings.HasSuffix(p.Resp.Request.URL.Path, "/first") }},
	} {
		b := testbrowser.New(t, func(*url.URL) bool { return false })
		q := url.Values{"client_id": {"demo-rp"}, "redirect_uri": {gov + "callback"}, "response_type": {"code"}, "scope": {"openid"},
			"state": {"demo-state"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
			"acr_values": {"urn:gc-ca:cyber-auth:assurance:loa3"}, "idp_hint": {"quebec"}}
		p := b.Get(issuer + "/authorize?" + q.Encode())
		to, v, ok := p.Action("/authorize")
		if !ok {
			t.Fatalf("no Quebec sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
		}
		if u, _ := url.Parse(p.Resp.Request.URL.String()); u.Query().Get("acr_values") != demoProvenACR {
			t.Errorf("Quebec was asked for acr_values %q", u.Query().Get("acr_values"))
		}
		v.Set("username", tc.user)
		v.Set("password", "demo-password")
		v.Set("action", "signin")
		if p = b.Post(to, v); !tc.want(p) {
			t.Errorf("%s: %d at %s: %.600s", tc.user, p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
		}
	}
}

package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// chooseSAML picks the SAML GCKey on the portal's sign-in: Passerelle's
// chooser, then the IdP (which may ask for the password).
func chooseSAML(t *testing.T, b *testbrowser.Browser, portal string) testbrowser.Page {
	t.Helper()
	p := b.Post(portal+"login", url.Values{})
	to, v, ok := p.Action("/choose/" + demoSAMLID)
	if !ok {
		t.Fatalf("the chooser at %s does not offer the SAML GCKey: %.600s", p.Resp.Request.URL, p.Body)
	}
	return b.Post(to, v)
}

// samlDemoSignIn signs alex in at the demo's SAML GCKey from the page p
// that the IdP's sign-in form is on, and returns the page after the IdP's
// signed, encrypted Response reached Passerelle's ACS.
func samlDemoSignIn(t *testing.T, b *testbrowser.Browser, p testbrowser.Page) testbrowser.Page {
	t.Helper()
	for _, want := range []string{"DEMO — not a real service", "GCKey – SAML (demo)"} {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("the SAML IdP's sign-in page at %s lacks %q: %s", p.Resp.Request.URL, want, p.Body)
		}
	}
	to, v, ok := p.Action("/" + demoSAMLID + "/login")
	if !ok {
		t.Fatalf("no sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", "alex")
	v.Set("password", "demo-password")
	v.Set("action", "signin")
	p = b.Post(to, v)
	to, v, ok = p.Action("/callback/" + demoSAMLID)
	if !ok || v.Get("SAMLResponse") == "" {
		t.Fatalf("the IdP posted no SAMLResponse to the ACS from %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	return b.Post(to, v)
}

// TestDemoSAMLSignIn walks `passerelle demo` as a person who picks the
// SAML GCKey: the demo IdP's sign-in page (marked as a demo), its signed
// and encrypted Response to Passerelle's ACS, a new account with an
// authenticator app, and the portal signed in. Signing out at the portal
// goes through the IdP's Single Logout (its session ends, so the next
// sign-in asks for the password again) and back to the portal; the next
// sign-in finds the same account by the persistent NameID and asks for
// its factor.
func TestDemoSAMLSignIn(t *testing.T) {
	_, urls := runDemo(t)
	gov := urls["Demo relying party"]
	b := testbrowser.New(t, func(*url.URL) bool { return false })

	p := samlDemoSignIn(t, b, chooseSAML(t, b, gov))
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	app := authenticator()
	p = b.TOTPMFA(p, app)
	if app.Secret == "" || p.Resp.Request.URL.String() != gov || !strings.Contains(p.Body, "You are signed in") {
		t.Fatalf("the SAML sign-in ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}

	to, v, ok := p.Action("/logout")
	if !ok {
		t.Fatalf("no sign-out form on the portal: %.600s", p.Body)
	}
	p = b.Post(to, v)
	if !strings.Contains(p.Body, "You are signed out") {
		t.Fatalf("signing out ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}

	p = chooseSAML(t, b, gov)
	if _, _, ok := p.Action("/" + demoSAMLID + "/login"); !ok {
		t.Fatalf("after Single Logout the IdP did not ask for the password again: %s %.600s", p.Resp.Request.URL, p.Body)
	}
	p = samlDemoSignIn(t, b, p)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("the second SAML sign-in should find the account and ask for its factor, landed on %s: %.400s", p.Resp.Request.URL, p.Body)
	}
	if p = b.TOTPMFA(p, app); !strings.Contains(p.Body, "You are signed in") {
		t.Fatalf("the second sign-in ended at %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
}

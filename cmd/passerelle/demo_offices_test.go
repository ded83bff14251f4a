package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// TestDemoOffices walks the demo's IP office and certificate office as a
// person (seeds 000 and 003), over HTTP with the demo's upstreams and its
// outbox: a first sign-in through a bank with a new authenticator app
// ends on the former-account page; the former username and password join
// the account, and the IP office receives the former client number. The
// certificate office, through the same SSO session, asks for the file;
// its attributes send a code to the file's address, read from the outbox,
// and the code links the file, whose ID the office receives.
func TestDemoOffices(t *testing.T) {
	issuer, urls := runDemo(t)
	side := strings.TrimSuffix(urls["Demo relying party"], "/rp/")
	ipo, certs := side+"/ipo/", side+"/certificates/"
	b := testbrowser.New(t, func(*url.URL) bool { return false })

	p := b.Post(ipo+"login", url.Values{"idp_hint": {"bank-a"}})
	to, v, ok := p.Action("/authorize")
	if !ok {
		t.Fatalf("no bank sign-in form at %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", "alex")
	v.Set("password", "demo-password")
	v.Set("action", "signin")
	p = b.TOTPMFA(b.Post(to, v), authenticator())
	to, v, ok = p.Action("/step/legacy")
	if !ok || !strings.HasPrefix(to, issuer) || !strings.Contains(p.Body, "Bring your former account") {
		t.Fatalf("expected the former-account page, landed on %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", "marie.tremblay")
	v.Set("password", "ancien-mot-de-passe")
	p = b.Post(to, v)
	if p.Resp.Request.URL.String() != ipo || !strings.Contains(p.Body, "You are signed in") || !strings.Contains(p.Body, "OPIC-100234") {
		t.Fatalf("joining the former account ended at %s (%d): %.800s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}

	p = b.Post(certs+"login", url.Values{})
	to, v, ok = p.Action("/step/record")
	if !ok || !strings.Contains(p.Body, "Certificate number") {
		t.Fatalf("expected the certificate file page, landed on %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("certificate_number", "c-2019-0042")
	v.Set("birth_date", "1980-02-29")
	p = b.Post(to, v)
	to, v, ok = p.Action("/step/record")
	if !ok || v.Get("do") != "code" {
		t.Fatalf("expected the code page, landed on %s: %.600s", p.Resp.Request.URL, p.Body)
	}
	v.Set("code", outboxCode(t, b, urls["Demo outbox"], "dossier@certificats.example"))
	p = b.Post(to, v)
	if p.Resp.Request.URL.String() != certs || !strings.Contains(p.Body, "CERT-2019-0042") {
		t.Fatalf("the code ended at %s (%d): %.800s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
}

// outboxCode is the six-digit code of the newest demo outbox message to
// addr.
func outboxCode(t *testing.T, b *testbrowser.Browser, outbox, addr string) string {
	t.Helper()
	body := b.Get(outbox).Body
	i := strings.Index(body, addr)
	if i < 0 {
		t.Fatalf("no message to %s in the outbox: %.800s", addr, body)
	}
	c := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(body[i:])
	if c == nil {
		t.Fatalf("no code in the message to %s", addr)
	}
	return c[1]
}

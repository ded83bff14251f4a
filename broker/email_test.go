package broker_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode reads the code of the newest email sent to addr.
func (e *env) lastCode(addr string) string {
	e.t.Helper()
	for _, m := range e.outbox.Messages() {
		if m.To == addr {
			if c := sixDigits.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	e.t.Fatalf("no code emailed to %s", addr)
	return ""
}

// emailSetUpStep takes one step of an email factor's set-up at a first
// sign-in, before its code: the account's creation, the choice of the
// email factor, the address. ok is false where none of them is the page.
func (b *browser) emailSetUpStep(p page, addr string) (page, bool) {
	if to, v, ok := p.Action("/first/create"); ok {
		return b.Post(to, v), true
	}
	if to, v, ok := p.Action("/mfa/enrol/email"); ok {
		return b.Post(to, v), true
	}
	if to, v, ok := p.Action("/mfa/enrol/email/finish"); ok && strings.Contains(p.Body, `type="email"`) {
		v.Set("email", addr)
		return b.Post(to, v), true
	}
	return p, false
}

// emailMFA passes the second factor with emailed codes: set-up (with the
// upstream's address) at the first sign-in, a code at later ones.
func (b *browser) emailMFA(p page, addr string) page {
	b.T.Helper()
	for range 8 {
		if next, ok := b.emailSetUpStep(p, addr); ok {
			p = next
			continue
		}
		if to, v, ok := p.Action("/mfa/saved"); ok {
			v.Set("saved", "yes")
			p = b.Post(to, v)
			continue
		}
		to, v, ok := p.UseForm()
		if !ok {
			to, v, ok = p.Action("/mfa/enrol/email/finish")
		}
		if ok && strings.Contains(p.Body, `autocomplete="one-time-code"`) {
			v.Set("code", b.e.lastCode(addr))
			p = b.Post(to, v)
			continue
		}
		return p
	}
	return p
}

// TestEmailCodeAtEverySignIn is the trusted-trader portal: an emailed code
// at every sign-in, even within the SSO session.
func TestEmailCodeAtEverySignIn(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Clients[1].MFA = store.ClientMFA{Factors: []string{"email"}, EverySignIn: true}
	})
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), "alex@example.org")
	tok, err := r.exchange(r.callback(p, a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims["acr"] != loa2 {
		t.Errorf("acr after an email code = %v, want %s", tok.claims["acr"], loa2)
	}
	msgs := e.outbox.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	if !strings.Contains(msgs[0].Text, "If you did not ask for this code") || !strings.Contains(msgs[0].Text, "Si vous n'avez pas demandé ce code") {
		t.Errorf("the email is not bilingual: %q", msgs[0].Text)
	}
	// Same browser, SSO session alive: still a new code.
	a = r.start()
	p = b.Get(a.url)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") || len(e.outbox.Messages()) != 2 {
		t.Fatalf("no new code at the second sign-in: %s, %d emails", p.Resp.Request.URL, len(e.outbox.Messages()))
	}
	// The first code does not work twice.
	to, v, _ := p.UseForm()
	v.Set("code", sixDigits.FindStringSubmatch(msgs[0].Text)[1])
	if bad := b.Post(to, v); bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("old code accepted: %d %s %.3000s", bad.Resp.StatusCode, bad.Resp.Request.URL, bad.Body)
	}
	if q := r.callback(b.emailMFA(p, "alex@example.org"), a); q.Get("code") == "" {
		t.Errorf("second sign-in: %v", q)
	}
}

// TestStepUpFromEmailToApp: a session reached with an email code does not
// satisfy a request for loa3; the person passes their email code again,
// sets up an app and goes on.
func TestStepUpFromEmailToApp(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	// First sign-in with an email code (the person picks it).
	p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex")
	p = b.emailMFA(p, "alex@example.org")
	first, err := r.exchange(r.callback(p, a).Get("code"), a)
	if err != nil || first.claims["acr"] != loa2 {
		t.Fatalf("email sign-in: %v %v", err, first.claims["acr"])
	}
	a = r.start(oauth2.SetAuthURLParam("acr_values", loa3))
	p = b.Get(a.url)
	// Setting up a stronger factor starts with the one the account has.
	to, v, ok := p.UseForm()
	if !ok || strings.Contains(p.Body, "/mfa/enrol/") {
		t.Fatalf("step-up should first ask for the email code: %s %.800s", p.Resp.Request.URL, p.Body)
	}
	v.Set("code", e.lastCode("alex@example.org"))
	p = b.Post(to, v)
	if !strings.Contains(p.Body, "/mfa/enrol/totp") || strings.Contains(p.Body, "/mfa/enrol/email\"") {
		t.Fatalf("step-up should offer only strong enough factors: %s %.800s", p.Resp.Request.URL, p.Body)
	}
	tok, err := r.exchange(r.callback(b.totpMFA(p, "gckey/alex"), a).Get("code"), a)
	if err != nil || tok.claims["acr"] != loa3 {
		t.Fatalf("after step-up: %v %v", err, tok.claims["acr"])
	}
	if tok.idToken.Subject != first.idToken.Subject {
		t.Error("step-up changed the subject")
	}
}

// TestEmailRateLimitIsNoDeadEnd: when the address has had its codes for
// the hour, the challenge still answers with the code page, saying no
// code was sent, with the account's recovery code and cancel; not an
// error page the person cannot leave.
func TestEmailRateLimitIsNoDeadEnd(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Clients[1].MFA = store.ClientMFA{Factors: []string{"email"}, EverySignIn: true}
		c.MFA.Email.MaxSendsPerAddressPerHour = 1
	})
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), "alex@example.org")
	// The client redeems the code: the SSO session exists from then.
	if _, err := r.exchange(r.callback(p, a).Get("code"), a); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	a = r.start()
	p = b.Get(a.url)
	if p.Resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("rate-limited challenge: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	for _, want := range []string{"no new code was sent", "/mfa/recovery", "/cancel", `id="code"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the rate-limited page lacks %q: %.2000s", want, p.Body)
		}
	}
	if n := len(e.outbox.Messages()); n != 1 {
		t.Errorf("%d emails, want 1 (the limit is one an hour)", n)
	}
	// The way out works: cancel tells the client.
	if q := r.callback(b.Get(e.issuer+strings.Split(p.Resp.Request.URL.Path, "/mfa/")[0]+"/cancel"), a); q.Get("error") != "access_denied" {
		t.Errorf("cancel from the rate-limited page: %v", q)
	}
}

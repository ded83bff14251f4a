package broker_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// toEmailSetUpCode walks a first sign-in to the email set-up's code page
// (a code sent to addr).
func (b *browser) toEmailSetUpCode(p page, addr string) page {
	b.T.Helper()
	for range 6 {
		if to, v, ok := p.Action("/first/create"); ok {
			p = b.Post(to, v)
			continue
		}
		if to, v, ok := p.Action("/mfa/enrol/email"); ok {
			p = b.Post(to, v)
			continue
		}
		if to, v, ok := p.Action("/mfa/enrol/email/finish"); ok && strings.Contains(p.Body, `type="email"`) {
			v.Set("email", addr)
			p = b.Post(to, v)
			continue
		}
		break
	}
	if _, _, ok := p.Action("/mfa/enrol/email/finish"); !ok || !strings.Contains(p.Body, `autocomplete="one-time-code"`) {
		b.T.Fatalf("not at the email set-up's code page: %s %.2000s", p.Resp.Request.URL, p.Body)
	}
	return p
}

// TestEmailSetUpWrongCodesThenRight is the dead end of issue 13: after
// several wrong codes at email set-up, the right, unexpired code is
// accepted once the wait is over, and the page offers a new code, which
// works too.
func TestEmailSetUpWrongCodesThenRight(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	const addr = "alex@example.org"
	p := b.toEmailSetUpCode(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), addr)
	code := e.lastCode(addr)
	n, err := strconv.Atoi(code)
	if err != nil {
		t.Fatal(err)
	}
	wrong := fmt.Sprintf("%06d", (n+1)%1_000_000)
	waited := false
	for i := range 8 {
		to, v, _ := p.Action("/mfa/enrol/email/finish")
		v.Set("code", wrong)
		p = b.Post(to, v)
		if p.Resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong code %d: %d %.2000s", i+1, p.Resp.StatusCode, p.Body)
		}
		if _, _, ok := p.Action("/mfa/enrol/email/resend"); !ok {
			t.Fatalf("wrong code %d: no way to send a new code: %.3000s", i+1, p.Body)
		}
		if strings.Contains(p.Body, "Too many attempts. Wait") {
			waited = true
			e.clock.Advance(time.Minute)
		}
	}
	if !waited {
		t.Fatal("eight wrong codes never asked the person to wait")
	}
	e.clock.Advance(time.Minute)
	to, v, _ := p.Action("/mfa/enrol/email/finish")
	v.Set("code", code)
	p = b.Post(to, v)
	if _, _, ok := p.Action("/mfa/saved"); !ok {
		t.Fatalf("the right code after wrong ones and the wait: %d %s %.3000s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
}

// TestEmailSetUpSendNewCode: the set-up's code page sends a new code,
// which replaces the first one.
func TestEmailSetUpSendNewCode(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	const addr = "alex@example.org"
	p := b.toEmailSetUpCode(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), addr)
	first := e.lastCode(addr)
	sent := len(e.outbox.Messages())
	to, v, ok := p.Action("/mfa/enrol/email/resend")
	if !ok {
		t.Fatalf("no send-a-new-code form: %.3000s", p.Body)
	}
	p = b.Post(to, v)
	if len(e.outbox.Messages()) != sent+1 {
		t.Fatalf("%d emails after asking for a new code, want %d", len(e.outbox.Messages()), sent+1)
	}
	second := e.lastCode(addr)
	if _, _, ok := p.Action("/mfa/enrol/email/finish"); !ok {
		t.Fatalf("not back at the code page: %s", p.Resp.Request.URL)
	}
	if first != second {
		to, v, _ := p.Action("/mfa/enrol/email/finish")
		v.Set("code", first)
		if q := b.Post(to, v); q.Resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("the replaced code still works: %d", q.Resp.StatusCode)
		}
	}
	to, v, _ = p.Action("/mfa/enrol/email/finish")
	v.Set("code", second)
	p = b.Post(to, v)
	if _, _, ok := p.Action("/mfa/saved"); !ok {
		t.Fatalf("the new code: %d %.3000s", p.Resp.StatusCode, p.Body)
	}
}

// TestFinishedSignInRevisited: the back button (or a reload) on a
// finished sign-in, once the service used its code, says the person is
// signed in and links back to the service, not "took too long"; an
// address whose sign-in is gone says so and leads on.
func TestFinishedSignInRevisited(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), "alex@example.org")
	ar := requestOf(t, e, p)
	if _, err := r.exchange(r.callback(p, a).Get("code"), a); err != nil {
		t.Fatal(err)
	}
	q := b.Get(e.issuer + "/login/" + ar.ID)
	origin := ar.RedirectURI[:strings.Index(ar.RedirectURI[len("https://"):], "/")+len("https://")] + "/"
	if q.Resp.StatusCode != http.StatusOK || !strings.Contains(q.Body, "You are already signed in") ||
		!strings.Contains(q.Body, `href="`+origin+`"`) || strings.Contains(q.Body, "took too long") {
		t.Errorf("a finished sign-in revisited: %d %.3000s", q.Resp.StatusCode, q.Body)
	}
	q = b.Get(e.issuer + "/login/no-such-sign-in")
	if q.Resp.StatusCode != http.StatusNotFound || !strings.Contains(q.Body, "This sign-in is no longer open") || !strings.Contains(q.Body, `href="/account"`) {
		t.Errorf("a sign-in that is gone: %d %.3000s", q.Resp.StatusCode, q.Body)
	}
}

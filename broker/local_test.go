package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

const localPassword = "correct horse battery staple 42"

// localPage opens the built-in service's sign-in page from the chooser.
func (b *browser) localPage(authURL string) page {
	b.T.Helper()
	p := b.choose(b.Get(authURL), "local")
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/local") {
		b.T.Fatalf("chooser → local landed on %s", p.Resp.Request.URL)
	}
	return p
}

// localAccount is the account a user of the built-in service is linked to.
func (e *env) localAccount(username string) store.Account {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.store.GetLocalUserByUsername(ctx, username)
	if err == nil {
		var l store.Link
		if l, err = e.store.GetLink(ctx, "local", u.ID); err == nil {
			var a store.Account
			if a, err = e.store.GetAccount(ctx, l.AccountID); err == nil {
				return a
			}
		}
	}
	e.t.Fatalf("account of local user %s: %v", username, err)
	return store.Account{}
}

// register creates and confirms a credential of the built-in service
// through its pages, reading the code from the email the relay received.
func (b *browser) register(p page, username, email string) page {
	b.T.Helper()
	p = b.Get(b.e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/local/register)"`))
	to, v, _ := p.Action("/local/register")
	v.Set("username", username)
	v.Set("email", email)
	v.Set("password", localPassword)
	v.Set("confirm", localPassword)
	p = b.Post(to, v)
	to, v, ok := p.Action("/local/confirm")
	if !ok {
		b.T.Fatalf("no confirmation page after registration: %d %s %.600s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	v.Set("code", b.e.lastCode(email))
	return b.Post(to, v)
}

// localLogin signs in with the built-in service, then passes the second
// factor with an authenticator app.
func (b *browser) localLogin(p page, username, password string) page {
	b.T.Helper()
	to, v, _ := p.Action("/local")
	v.Set("username", username)
	v.Set("password", password)
	return b.totpMFA(b.Post(to, v), "local/"+username)
}

func TestLocalRegistrationConfirmationSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.localPage(a.url)
	reg := b.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/local/register)"`))
	to, v, _ := reg.Action("/local/register")

	// Bad input: each gets its own translated message, nothing is created.
	bad := map[string]func(url.Values){
		"empty username":     func(v url.Values) { v.Set("username", "") },
		"over-long username": func(v url.Values) { v.Set("username", strings.Repeat("a", 300)) },
		"forbidden char": func(v url.Values) {
			v.Set("password", "open <sesame> please 42")
			v.Set("confirm", "open <sesame> please 42")
		},
		"invalid utf-8": func(v url.Values) {
			v.Set("password", "pass\xffword-long-enough")
			v.Set("confirm", "pass\xffword-long-enough")
		},
		"mismatch":  func(v url.Values) { v.Set("confirm", "something else entirely 99") },
		"common":    func(v url.Values) { v.Set("password", "password1234"); v.Set("confirm", "password1234") },
		"short":     func(v url.Values) { v.Set("password", "abc12"); v.Set("confirm", "abc12") },
		"bad email": func(v url.Values) { v.Set("email", "not-an-address") },
		"no csrf":   func(v url.Values) { v.Del("csrf") },
	}
	for name, mutate := range bad {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		w.Set("username", "nadia")
		w.Set("email", "nadia@example.org")
		w.Set("password", localPassword)
		w.Set("confirm", localPassword)
		mutate(w)
		got := b.Post(to, w)
		if name == "no csrf" {
			if got.Resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d", name, got.Resp.StatusCode)
			}
			continue
		}
		if got.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(got.Body, "error-summary") {
			t.Errorf("%s: %d, want the form again with the error", name, got.Resp.StatusCode)
		}
		if name == "empty username" && !strings.Contains(got.Body, "Username: this field is required.") {
			t.Errorf("the error summary does not name the empty field")
		}
	}
	if msgs := e.outbox.Messages(); len(msgs) != 0 {
		t.Fatalf("bad registrations sent %d emails", len(msgs))
	}
	// A good one: a code by email, a wrong code refused, the right one.
	v.Set("username", "Nadia")
	v.Set("email", "nadia@example.org")
	v.Set("password", localPassword)
	v.Set("confirm", localPassword)
	p = b.Post(to, v)
	cto, cv, ok := p.Action("/local/confirm")
	if !ok {
		t.Fatalf("no confirmation step: %d %.500s", p.Resp.StatusCode, p.Body)
	}
	cv.Set("code", "000000")
	if got := b.Post(cto, cv); got.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong confirmation code: %d", got.Resp.StatusCode)
	}
	cv.Set("code", e.lastCode("nadia@example.org"))
	p = b.totpMFA(b.Post(cto, cv), "local/nadia")
	first, err := r.exchange(r.callback(p, a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	// The same username is taken now (case does not matter).
	b2 := e.browser()
	reg = b2.Get(e.issuer + regexpFind(b2.localPage(r.start().url).Body, `href="(/login/[^"]+/local/register)"`))
	to, v, _ = reg.Action("/local/register")
	v.Set("username", "NADIA")
	v.Set("email", "other@example.org")
	v.Set("password", localPassword)
	v.Set("confirm", localPassword)
	if got := b2.Post(to, v); got.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(got.Body, "taken") {
		t.Errorf("taken username: %d", got.Resp.StatusCode)
	}
	// Sign in again with the password: the same person.
	a = r.start()
	p = b2.localLogin(b2.localPage(a.url), "nadia", localPassword)
	again, err := r.exchange(r.callback(p, a).Get("code"), a)
	if err != nil || again.idToken.Subject != first.idToken.Subject {
		t.Fatalf("second sign-in: %v, sub %s vs %s", err, again.idToken.Subject, first.idToken.Subject)
	}
}

func TestLocalWrongPasswordsLockAndReset(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.MFA.Lockout.Limit = 6 })
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	r.callback(b.totpMFA(b.register(b.localPage(a.url), "omar", "omar@example.org"), "local/omar"), a)

	// Wrong passwords: one generic message, whether or not the user exists.
	b = e.browser()
	p := b.localPage(r.start().url)
	to, v, _ := p.Action("/local")
	v.Set("username", "omar")
	v.Set("password", "wrong password number one")
	wrong := b.Post(to, v)
	v.Set("username", "nobody-here")
	unknown := b.Post(to, v)
	msg := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)
	if wrong.Resp.StatusCode != http.StatusBadRequest || msg.FindString(wrong.Body) != msg.FindString(unknown.Body) {
		t.Errorf("wrong password and unknown user differ: %d %d", wrong.Resp.StatusCode, unknown.Resp.StatusCode)
	}
	v.Set("username", "omar")
	var last page
	for range 6 {
		e.clock.Advance(e.delay())
		last = b.Post(to, v)
	}
	if !e.localAccount("omar").Locked {
		t.Error("no lock after 7 failures")
	}
	// The lock is not told on this page (the answer of an unknown user),
	// and the right password does not open a locked account.
	if msg.FindString(last.Body) != msg.FindString(unknown.Body) {
		t.Errorf("locked account answered otherwise than an unknown user: %.600s", msg.FindString(last.Body))
	}
	e.clock.Advance(e.delay())
	v.Set("password", localPassword)
	if p := b.Post(to, v); p.Resp.StatusCode != http.StatusBadRequest || msg.FindString(p.Body) != msg.FindString(unknown.Body) {
		t.Errorf("locked account opened: %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}

	// Forgotten password: the same answer for a real and an unknown user;
	// a code only to the real one.
	sent := len(e.outbox.Messages())
	for _, who := range []string{"nobody@example.org", "omar"} {
		fb := e.browser()
		fp := fb.Get(e.issuer + regexpFind(fb.localPage(r.start().url).Body, `href="(/login/[^"]+/local/forgot)"`))
		fto, fv, _ := fp.Action("/local/forgot")
		fv.Set("who", who)
		got := fb.Post(fto, fv)
		if !strings.HasSuffix(got.Resp.Request.URL.Path, "/local/reset") {
			t.Fatalf("forgot %s: landed on %s", who, got.Resp.Request.URL)
		}
		if who == "nobody@example.org" {
			if len(e.outbox.Messages()) != sent {
				t.Error("a reset code was sent for an unknown address")
			}
			continue
		}
		rto, rv, _ := got.Action("/local/reset")
		rv.Set("code", e.lastCode("omar@example.org"))
		rv.Set("password", "a brand new passphrase 7")
		rv.Set("confirm", "a brand new passphrase 7")
		if done := fb.Post(rto, rv); !strings.HasSuffix(done.Resp.Request.URL.Path, "/local") {
			t.Fatalf("reset: %d at %s", done.Resp.StatusCode, done.Resp.Request.URL)
		}
	}
}

// delay is longer than any progressive delay of the regulator.
func (e *env) delay() time.Duration { return 31 * time.Second }

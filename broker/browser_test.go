package broker_test

import (
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/testbrowser"
)

// browser is a person's browser (internal/testbrowser) with the test's
// environment, where the authenticator apps and recovery codes are kept.
type browser struct {
	*testbrowser.Browser
	e *env
}

// page is a fetched response with its body read.
type page = testbrowser.Page

// browser stops at a relying party: a host under .example, or port 9.
func (e *env) browser() *browser {
	stop := func(u *url.URL) bool { return testbrowser.StopAtExample(u) || u.Port() == "9" }
	return &browser{Browser: testbrowser.New(e.t, stop), e: e}
}

// upstreamLogin fills the demo upstream's sign-in form, then passes the
// second factor with an authenticator app (set up at the first sign-in).
func (b *browser) upstreamLogin(p page, user string) page {
	b.T.Helper()
	for action, v := range p.Forms() {
		if strings.HasSuffix(action, "/authorize") {
			v.Set("username", user)
			v.Set("password", "pw")
			v.Set("action", "signin")
			base := p.Resp.Request.URL
			to, _ := base.Parse(action)
			upstream := strings.TrimSuffix(strings.TrimPrefix(to.Path, "/"), "/authorize")
			return b.totpMFA(b.Post(to.String(), v), upstream+"/"+user)
		}
	}
	b.T.Fatalf("no upstream sign-in form on %s (status %d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	return page{}
}

// choose posts the chooser (or bank list) form for choice.
func (b *browser) choose(p page, choice string) page {
	b.T.Helper()
	for action, v := range p.Forms() {
		if strings.HasSuffix(action, "/choose/"+choice) {
			to, _ := p.Resp.Request.URL.Parse(action)
			return b.Post(to.String(), v)
		}
	}
	b.T.Fatalf("no choice %q on %s: %.600s", choice, p.Resp.Request.URL, p.Body)
	return page{}
}

// totpMFA walks the second-factor pages with the authenticator app kept
// under key: set-up at the first sign-in (keeping the secret and recovery
// codes under key), a fresh code at later ones, the test's clock moved to
// a new time step first. Other pages are returned as they are.
func (b *browser) totpMFA(p page, key string) page {
	b.T.Helper()
	app := &testbrowser.Authenticator{Now: b.e.clock.Now, Secret: b.e.totp[key],
		Next: func() { b.e.clock.Advance(30 * time.Second) }}
	p = b.TOTPMFA(p, app)
	if app.Secret != "" {
		b.e.totp[key] = app.Secret
	}
	if app.Recovery != nil {
		b.e.recovery[key] = app.Recovery
	}
	return p
}

// totpCode is secret's code at the test's clock.
func (e *env) totpCode(secret string) string {
	return (&testbrowser.Authenticator{Now: e.clock.Now, Secret: secret}).Code(e.t)
}

// upstreamPost fills the upstream form without passing the second factor.
func (b *browser) upstreamPost(p page, user string) page {
	b.T.Helper()
	to, v, ok := p.Action("/authorize")
	if !ok {
		b.T.Fatalf("no upstream form at %s: %.300s", p.Resp.Request.URL, p.Body)
	}
	v.Set("username", user)
	v.Set("password", "pw")
	v.Set("action", "signin")
	p = b.Post(to, v)
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	return p
}

func regexpFind(s, pattern string) string { return testbrowser.Find(s, pattern) }

// openSignIn starts a sign-in at r and opens it: the page the browser
// lands on, and the sign-in's ID.
func (b *browser) openSignIn(r *rp, extra ...oauth2.AuthCodeOption) (page, string) {
	b.T.Helper()
	p := b.Get(r.start(extra...).url)
	id := regexpFind(p.Resp.Request.URL.Path, `^/login/([^/]+)$`)
	if id == "" {
		b.T.Fatalf("no sign-in at %s", p.Resp.Request.URL)
	}
	return p, id
}

// upstreamLoginRaw fills the upstream form and stops at whatever
// Passerelle shows next (first sign-in choice included).
func (b *browser) upstreamLoginRaw(p page, user string) page {
	b.T.Helper()
	to, v, ok := p.Action("/authorize")
	if !ok {
		b.T.Fatalf("no upstream form at %s", p.Resp.Request.URL)
	}
	v.Set("username", user)
	v.Set("password", "pw")
	v.Set("action", "signin")
	return b.Post(to, v)
}

// upstreamList is the upstreams the broker was built with.
func (e *env) upstreamList() []broker.Upstream { return e.ups }

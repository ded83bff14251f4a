package broker_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/store"
)

func TestPromptNoneAndSSO(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	// No session yet: login_required at the redirect URI, no page.
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	q := r.callback(b.Get(a.url), a)
	if q.Get("error") != "login_required" {
		t.Fatalf("prompt=none without session: %v", q)
	}
	first := e.signIn(r, b, "gckey", "alex")
	// With a session: a code straight away, same sub, same auth_time.
	a = r.start(oauth2.SetAuthURLParam("prompt", "none"))
	q = r.callback(b.Get(a.url), a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.idToken.Subject != first.idToken.Subject || tok.claims["auth_time"] != first.claims["auth_time"] {
		t.Errorf("SSO changed sub or auth_time")
	}
	// id_token_hint naming this person: fine; naming another: login_required.
	a = r.start(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", first.raw))
	if q = r.callback(b.Get(a.url), a); q.Get("code") == "" {
		t.Errorf("matching id_token_hint: %v", q)
	}
	other := e.signIn(r, e.browser(), "gckey", "sam")
	a = r.start(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", other.raw))
	if q = r.callback(b.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("id_token_hint of someone else: %v", q)
	}
	// The idle limit ends the session.
	e.clock.Advance(31 * time.Minute)
	a = r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q = r.callback(b.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("idle session still used: %v", q)
	}
}

// TestAttackSessionCookieShapes: a session is found by its whole cookie.
// The browser's own cookie gives single sign-on; the same cookie with its
// time digits changed, or one of the same shape made up around them,
// gives none; a cookie of the shape made before the time digits (the
// secret alone) still finds the session stored under its hash, and its
// session ends when the browser signs in again or logs out, as a stolen
// one must.
func TestAttackSessionCookieShapes(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r, b := e.rp("rp1"), e.browser()
		first := e.signIn(r, b, "gckey", "alex")
		u, _ := url.Parse(e.issuer)
		var own *http.Cookie
		for _, c := range b.HTTP.Jar.Cookies(u) {
			if strings.HasSuffix(c.Name, "passerelle-session") {
				own = c
			}
		}
		if own == nil || len(own.Value) != 55 {
			t.Fatalf("session cookie %+v: want 55 characters, its time then its secret", own)
		}
		sso := func(value string) bool {
			b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: own.Name, Value: value, Path: "/"}})
			a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
			return r.callback(b.Get(a.url), a).Get("code") != ""
		}
		digit := "1"
		if own.Value[11] == '1' {
			digit = "2"
		}
		for name, v := range map[string]string{
			"time digits changed": own.Value[:11] + digit + own.Value[12:],
			"made up":             own.Value[:12] + randid.Base64URL(32),
		} {
			if sso(v) {
				t.Errorf("a cookie with its %s gave single sign-on", name)
			}
		}
		if !sso(own.Value) {
			t.Fatal("the browser's own cookie gave no single sign-on")
		}
		s, err := e.store.GetSession(t.Context(), broker.SessionKey(own.Value))
		if err != nil {
			t.Fatal(err)
		}
		before := func(sid string) string {
			old := randid.Base64URL(32)
			s.ID, s.Hash = sid, store.HashToken(old)
			if err := e.store.CreateSession(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			return old
		}
		gone := func(cookie, after string) {
			if _, err := e.store.GetSession(t.Context(), store.HashToken(cookie)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the session of a cookie made before, after %s: %v, want it gone", after, err)
			}
		}
		old := before("sid-before")
		if !sso(old) {
			t.Fatal("a session stored under the hash of a cookie made before gave no single sign-on")
		}
		e.signIn(r, b, "gckey", "alex", oauth2.SetAuthURLParam("prompt", "login"))
		gone(old, "the browser signed in again")
		old = before("sid-before-2")
		b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: own.Name, Value: old, Path: "/"}})
		b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {first.raw}}.Encode())
		gone(old, "a logout")
	})
}

func TestMaxAgeAndPromptLoginReauthenticate(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	first := e.signIn(r, b, "gckey", "alex")
	e.clock.Advance(2 * time.Minute)
	for _, opt := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("max_age", "60"), oauth2.SetAuthURLParam("prompt", "login")} {
		a := r.start(opt)
		p := b.Get(a.url)
		if p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
			t.Fatalf("expected the chooser again, got %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		up := b.choose(p, "gckey")
		if !strings.Contains(up.Resp.Request.URL.RawQuery, "prompt=login") {
			t.Errorf("upstream not asked to re-authenticate: %s", up.Resp.Request.URL)
		}
		tok, err := r.exchange(r.callback(b.upstreamLogin(up, "alex"), a).Get("code"), a)
		if err != nil {
			t.Fatal(err)
		}
		if tok.claims["auth_time"].(float64) <= first.claims["auth_time"].(float64) {
			t.Errorf("auth_time %v not after %v", tok.claims["auth_time"], first.claims["auth_time"])
		}
		first = tok
		e.clock.Advance(2 * time.Minute)
	}
	// max_age large enough: SSO.
	a := r.start(oauth2.SetAuthURLParam("max_age", "3600"))
	if q := r.callback(b.Get(a.url), a); q.Get("code") == "" {
		t.Errorf("max_age=3600 should reuse the session: %v", q)
	}
}

func TestEndSession(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := e.signIn(r, b, "gckey", "alex")
	v := url.Values{"id_token_hint": {tok.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if loc := p.Resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://rp1.example/bye") || !strings.Contains(loc, "state=s1") {
		t.Errorf("end_session redirect: %d %q", p.Resp.StatusCode, loc)
	}
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(b.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("session survived end_session: %v", q)
	}
	// Without a redirect URI: the logged-out page.
	p = b.Get(e.issuer + "/end_session")
	if p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/logged-out") {
		t.Errorf("end_session without hint: %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	// A session and no ID token hint: the person is asked first; a forged
	// form does not sign them out, the page's own form does.
	e.signIn(r, b, "gckey", "alex")
	p = b.Get(e.issuer + "/end_session?state=s2")
	to, fv, ok := p.Action("/end_session")
	if !ok || p.Resp.Request.URL.Path != "/end_session" {
		t.Fatalf("logout without a hint did not ask: %s %.400s", p.Resp.Request.URL, p.Body)
	}
	if forged := b.Post(to, url.Values{"state": {"s2"}}); forged.Resp.Request.URL.Path != "/end_session" {
		t.Errorf("a forged logout form signed the person out: %s", forged.Resp.Request.URL)
	}
	if p = b.Post(to, fv); p.Resp.Request.URL.Path != "/logged-out" {
		t.Errorf("confirmed logout landed on %s", p.Resp.Request.URL)
	}
	a = r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(b.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("session survived the confirmed logout: %v", q)
	}
	// An unregistered post_logout_redirect_uri is refused with a page.
	v.Set("post_logout_redirect_uri", "https://evil.example/")
	p = b.Get(e.issuer + "/end_session?" + v.Encode())
	if p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" {
		t.Errorf("unregistered post_logout_redirect_uri: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
}

func TestSignInStepsAreBoundToTheBrowser(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	victim, attacker := e.browser(), e.browser()
	p := attacker.Get(r.start().url)
	// The attacker hands the chooser URL to the victim.
	other := victim.Get(p.Resp.Request.URL.String())
	if other.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("another browser opened the sign-in: %d", other.Resp.StatusCode)
	}
	// A form without the CSRF token is refused.
	forged := false
	for action := range p.Forms() {
		if strings.HasSuffix(action, "/choose/gckey") {
			forged = true
			to, _ := p.Resp.Request.URL.Parse(action)
			if got := attacker.Post(to.String(), url.Values{"csrf": {"forged"}}); got.Resp.StatusCode != http.StatusForbidden {
				t.Errorf("forged CSRF token: %d", got.Resp.StatusCode)
			}
		}
	}
	if !forged {
		t.Errorf("no gckey choice to forge on %s", p.Resp.Request.URL)
	}
	// An upstream callback with a state that is not the stored one.
	up := attacker.choose(p, "gckey")
	state := up.Resp.Request.URL.Query().Get("state")
	id, _, _ := strings.Cut(state, ".")
	bad := attacker.Get(e.issuer + "/callback/gckey?code=x&state=" + url.QueryEscape(id+".forged"))
	if bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged state: %d", bad.Resp.StatusCode)
	}
	// The callback of another provider than the one chosen.
	bad = attacker.Get(e.issuer + "/callback/bank-a?code=x&state=" + url.QueryEscape(state))
	if bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback at the wrong provider: %d", bad.Resp.StatusCode)
	}
	// An error from the upstream gets a page, not a 500.
	bad = attacker.Get(e.issuer + "/callback/gckey?error=access_denied&state=" + url.QueryEscape(state))
	if bad.Resp.StatusCode >= 500 && bad.Resp.StatusCode != http.StatusBadGateway || !strings.Contains(bad.Body, "<h1") {
		t.Errorf("upstream error: %d", bad.Resp.StatusCode)
	}
	// An unknown or expired sign-in.
	if got := attacker.Get(e.issuer + "/login/nope"); got.Resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown auth request: %d", got.Resp.StatusCode)
	}
}

func TestCancelSendsAccessDenied(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.Get(a.url)
	m := regexp.MustCompile(`href="(/login/[^"]+/cancel)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no cancel link on the chooser: %.800s", p.Body)
	}
	if q := r.callback(b.Get(e.issuer+m[1]), a); q.Get("error") != "access_denied" {
		t.Errorf("cancel: %v", q)
	}
}

func TestReloadKeepsSignInsInProgress(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.choose(b.Get(a.url), "gckey") // a sign-in in progress, at the upstream
	// Reload: rp2 leaves, a new client arrives, rp1 stays.
	cfg := append([]broker.ClientConfig(nil), testClients[0], testClients[2], testClients[3], testClients[4])
	cfg = append(cfg, broker.ClientConfig{Client: store.Client{ID: "newcomer", Secret: rpSecret, Name: map[string]string{"en": "New", "fr": "Nouveau"},
		RedirectURIs: []string{"https://new.example/cb"}, AuthMethod: "client_secret_basic", SubjectType: "pairwise", IDTokenAlg: "ES256"}})
	if err := e.broker.Reload(cfg, nil, e.upstreamList()); err != nil {
		t.Fatal(err)
	}
	if q := r.callback(b.upstreamLogin(p, "alex"), a); q.Get("code") == "" {
		t.Fatalf("the sign-in in progress did not survive the reload: %v", q)
	}
	if p := e.browser().Get(e.rp("rp2").start().url); p.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a removed client still signs in: %d", p.Resp.StatusCode)
	}
	v := validParams()
	v.Set("client_id", "newcomer")
	v.Set("redirect_uri", "https://new.example/cb")
	if p := e.browser().Get(authURL(e.issuer, v)); p.Resp.StatusCode != http.StatusOK {
		t.Errorf("the new client cannot start a sign-in: %d", p.Resp.StatusCode)
	}
}

// TestNoSessionBeforeSecondFactor: passing the upstream alone opens no
// SSO session (Keycloak's rule): a second authorization in that browser
// asks for the upstream again, and prompt=none gets login_required. The
// session appears with the code.
func TestNoSessionBeforeSecondFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // enrols alex's authenticator app
	b := e.browser()
	a := r.start()
	if p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"); !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("expected the second-factor challenge, got %s", p.Resp.Request.URL)
	}
	again := r.start()
	if p := b.Get(again.url); p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Body, `action="/login/`) ||
		strings.Contains(p.Resp.Request.URL.Path, "/mfa/") {
		t.Errorf("a second authorization before the factor should show the chooser: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	none := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(b.Get(none.url), none); q.Get("error") != "login_required" {
		t.Errorf("prompt=none before the factor: %v, want login_required", q)
	}
	e.signIn(r, b, "gckey", "alex")
	none = r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(b.Get(none.url), none); q.Get("code") == "" {
		t.Errorf("prompt=none after a whole sign-in: %v, want a code", q)
	}
}

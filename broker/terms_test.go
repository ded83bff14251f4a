package broker_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// termsFor writes terms files and returns rp2's configuration with the
// terms step.
func termsFor(t *testing.T, version string, every bool) []broker.ClientConfig {
	dir := t.TempDir()
	files := map[string]string{}
	for lang, text := range map[string]string{"en": "You agree to report honestly.\n\nVersion text " + version + ".",
		"fr": "Vous acceptez de déclarer honnêtement."} {
		files[lang] = filepath.Join(dir, lang+".txt")
		if err := os.WriteFile(files[lang], []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cs := append([]broker.ClientConfig(nil), testClients...)
	for i := range cs {
		if cs[i].ID == "rp2" {
			cs[i].Steps = []string{terms.Name}
			cs[i].Terms = &terms.Config{Version: version, Files: files, EverySignIn: every}
		}
	}
	return cs
}

func (e *env) reloadClients(cs []broker.ClientConfig) {
	e.t.Helper()
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}
	if err := e.broker.Reload(cs, groups, e.ups); err != nil {
		e.t.Fatal(err)
	}
}

// decideTerms answers the terms page p.
func decideTerms(t *testing.T, b *browser, p page, decision string) page {
	t.Helper()
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/terms") {
		t.Fatalf("expected the terms of use, landed on %s (%d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	if !strings.Contains(p.Body, `name="decision" value="`+decision+`"`) {
		t.Fatalf("no %s form on the terms page", decision)
	}
	for action, v := range p.Forms() { // both forms post to the step
		to, _ := p.Resp.Request.URL.Parse(action)
		v.Set("decision", decision)
		return b.Post(to.String(), v)
	}
	return page{}
}

// TestTermsOfUse: a client's terms come after the second factor; no code
// before they are accepted; once per version; declining is access_denied.
func TestTermsOfUse(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients = termsFor(t, "2026-01", false) })
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex")
	if !strings.Contains(p.Body, "You agree to report honestly.") || !strings.Contains(p.Body, "2026-01") {
		t.Fatalf("the terms text is not shown: %.800s", p.Body)
	}
	if _, err := r.exchange(r.callback(decideTerms(t, b, p, "accept"), a).Get("code"), a); err != nil {
		t.Fatalf("no code after accepting: %v", err) // redeemed: the SSO session exists from then
	}
	// Accepted once: the next sign-in goes straight through.
	a = r.start()
	if q := r.callback(b.Get(a.url), a); q.Get("code") == "" {
		t.Fatalf("terms asked again in the same version: %v", q)
	}
	// A new version is accepted anew; declining tells the client.
	e.reloadClients(termsFor(t, "2026-02", false))
	a = r.start()
	if q := r.callback(decideTerms(t, b, b.Get(a.url), "decline"), a); q.Get("error") != "access_denied" || q.Get("code") != "" {
		t.Fatalf("declining: %v", q)
	}
	// At every sign-in: the same person is asked each time.
	e.reloadClients(termsFor(t, "2026-02", true))
	for range 2 {
		a = r.start()
		if q := r.callback(decideTerms(t, b, b.Get(a.url), "accept"), a); q.Get("code") == "" {
			t.Fatalf("every sign-in: %v", q)
		}
	}
}

// TestAttackTermsBeforeTheFactor: accepting the terms is no way past the
// second factor: at the challenge, the terms step does not answer.
func TestAttackTermsBeforeTheFactor(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients = termsFor(t, "v1", false) })
	r := e.rp("rp2")
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's app
	b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
	base := e.issuer + stepPath(t, p)
	csrf := csrfOf(t, p)
	got := b.Post(base+"/step/terms", url.Values{"csrf": {csrf}, "decision": {"accept"}})
	noCode(t, got, "terms at the challenge")
	if !strings.Contains(got.Resp.Request.URL.Path, "/mfa/use/") {
		t.Errorf("the terms step answered out of turn: %s", got.Resp.Request.URL)
	}
	if g := b.Get(base + "/step/terms"); strings.Contains(g.Body, "report honestly") || g.Resp.StatusCode != http.StatusOK {
		t.Errorf("the terms page showed before the factor: %s", g.Resp.Request.URL)
	}
}

// TestAttackTermsDeclineLeavesSignInLive: declining the terms ends the
// sign-in. The same browser cannot then accept on the step's page, nor
// come back to the request, and get a code under the client's state.
func TestAttackTermsDeclineLeavesSignInLive(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients = termsFor(t, "v1", true) })
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex")
	stepURL := p.Resp.Request.URL.String()
	csrf := csrfOf(t, p)
	if q := r.callback(decideTerms(t, b, p, "decline"), a); q.Get("error") != "access_denied" {
		t.Fatalf("declining: %v", q)
	}
	noCode(t, b.Post(stepURL, url.Values{"csrf": {csrf}, "decision": {"accept"}}), "accepting after declining")
	noCode(t, b.Get(strings.TrimSuffix(stepURL, "/step/terms")), "the sign-in's own URL after declining")
}

// TestCancelEndsTheSignIn: after cancelling at the chooser, the request's
// URL shows the expired page instead of carrying on.
func TestCancelEndsTheSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	base := b.Get(a.url).Resp.Request.URL.String() // the chooser, /login/{id}
	if q := r.callback(b.Get(base+"/cancel"), a); q.Get("error") != "access_denied" {
		t.Fatalf("cancel: %v", q)
	}
	if g := b.Get(base); g.Resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the cancelled sign-in carries on: %d %s", g.Resp.StatusCode, g.Resp.Request.URL)
	}
}

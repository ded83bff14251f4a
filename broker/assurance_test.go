package broker_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// provenACR is the acr the harness's upstreams give pat, a proven
// identity (seed 003), where alex and sam have the basic loa2.
const provenACR = "urn:example:identity:proven"

// provenUpstream maps gckey's basic answer to loa2 and the proven one to
// loa3, as an operator would (acr_map).
func (e *env) provenUpstream() {
	e.mapUpstreamACR("gckey", map[string]string{loa2: loa2, provenACR: loa3})
}

// TestAssuranceAskedOfTheUpstream (seed 003, basic versus proven
// identity): a relying party that asks for loa3 sends the person to the
// upstream with acr_values naming the upstream's value that maps to it;
// a proven identity signs in and the ID token says loa3; a basic one is
// sent back with a page, in English or French, that says why and offers
// to sign in again: never a silent downgrade to loa2. A request for no
// particular level asks the upstream for none.
func TestAssuranceAskedOfTheUpstream(t *testing.T) {
	e := newEnv(t)
	e.provenUpstream()
	r := e.rp("rp1")
	up := e.upstream["gckey"]

	tok := e.signIn(r, e.browser(), "gckey", "pat", oauth2.SetAuthURLParam("acr_values", loa3))
	seen := up.requests()
	if got := seen[len(seen)-1].URL.Query().Get("acr_values"); got != provenACR {
		t.Errorf("acr_values asked of the upstream: %q, want %q", got, provenACR)
	}
	if tok.claims["acr"] != loa3 {
		t.Errorf("ID token acr %v, want %s", tok.claims["acr"], loa3)
	}

	for _, lang := range []string{"en", "fr"} {
		b := e.browser()
		a := r.start(oauth2.SetAuthURLParam("acr_values", loa3), oauth2.SetAuthURLParam("ui_locales", lang))
		p := b.upstreamLoginRaw(b.choose(b.Get(a.url), "gckey"), "alex")
		want := map[string]string{"en": "Your identity was not confirmed at the level this service needs",
			"fr": "Votre identité n’a pas été confirmée au niveau que ce service exige"}[lang]
		if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, "gckey "+strings.ToUpper(lang)) {
			t.Fatalf("%s: a basic identity where loa3 is asked: %d %.600s", lang, p.Resp.StatusCode, p.Body)
		}
		retry := regexpFind(p.Body, `<a class="button" href="([^"]+)"`)
		if p = b.Get(e.issuer + retry); p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
			t.Errorf("%s: the retry link leads to %d %s", lang, p.Resp.StatusCode, p.Resp.Request.URL)
		}
	}
	if n := e.auditCount("signin", "upstream_assurance"); n != 2 {
		t.Errorf("%d refused answers audited, want 2", n)
	}

	e.signIn(r, e.browser(), "gckey", "alex")
	seen = up.requests()
	if got := seen[len(seen)-1].URL.Query(); got.Has("acr_values") {
		t.Errorf("a request for no level asked the upstream for %q", got.Get("acr_values"))
	}
}

// TestAttackBasicIdentityGetsNoCodeWhereProvenIsNeeded: the holder of
// alex's password (a basic identity) where the relying party needs
// loa3: the upstream's answer stops at the page; jumping to the second
// factor or back to the sign-in gives no code and no account; alex's
// own authenticator app, which reaches loa3 by itself, is never even
// asked, so a basic identity is not raised by a factor either.
func TestAttackBasicIdentityGetsNoCodeWhereProvenIsNeeded(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // alex has an authenticator app
	e.provenUpstream()
	b := e.browser()
	p, id := b.openSignIn(r, oauth2.SetAuthURLParam("acr_values", loa3))
	p = b.upstreamLoginRaw(b.choose(p, "gckey"), "alex")
	if p.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("basic identity where loa3 is needed: %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	for _, path := range []string{"", "/mfa", "/mfa/recovery", "/first"} {
		p := b.Get(e.issuer + "/login/" + id + path)
		if strings.Contains(p.Resp.Header.Get("Location"), "code=") || strings.Contains(p.Resp.Request.URL.String(), "rp1.example") {
			t.Fatalf("%s gave a code", path)
		}
		if strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") || strings.Contains(p.Body, `name="code"`) {
			t.Errorf("%s asks for a second factor of a sign-in the upstream did not confirm: %s", path, p.Resp.Request.URL)
		}
	}
	if n := e.auditCount("signin", "success"); n != 1 {
		t.Errorf("%d successful sign-ins, want the first only", n)
	}
}

// TestOIDCUpstreamUnmetAuthenticationRequirements (seed 003): an OpenID
// upstream that cannot reach the level asked answers
// unmet_authentication_requirements instead of a lower acr; the person
// gets the same page as for an answer below the level, in English or
// French, audited, and nothing after it gives a code, an account or a
// second-factor prompt; a proven identity still signs in at loa3.
func TestOIDCUpstreamUnmetAuthenticationRequirements(t *testing.T) {
	e := newEnvOpts(t, envOptions{refuseUnmetACR: true})
	e.provenUpstream()
	r := e.rp("rp1")
	for _, lang := range []string{"en", "fr"} {
		b := e.browser()
		p, id := b.openSignIn(r, oauth2.SetAuthURLParam("acr_values", loa3), oauth2.SetAuthURLParam("ui_locales", lang))
		p = b.upstreamLoginRaw(b.choose(p, "gckey"), "alex")
		e.checkRefusedBelowLevel(b, p, id, lang, "gckey "+strings.ToUpper(lang))
	}
	if n := e.auditCount("signin", "upstream_assurance"); n != 2 {
		t.Errorf("%d refusals audited, want 2", n)
	}
	if n := e.auditCount("account.create", "success"); n != 0 {
		t.Errorf("%d accounts created after the refusals", n)
	}
	if tok := e.signIn(r, e.browser(), "gckey", "pat", oauth2.SetAuthURLParam("acr_values", loa3)); tok.claims["acr"] != loa3 {
		t.Errorf("a proven identity's ID token acr %v, want %s", tok.claims["acr"], loa3)
	}
}

// checkRefusedBelowLevel: p, the page after an upstream's answer below
// the level asked in the sign-in id, is the bilingual page naming the
// upstream, with a retry link to that sign-in; going back to the
// sign-in's steps after it gives no code and no second-factor prompt.
func (e *env) checkRefusedBelowLevel(b *browser, p page, id, lang, upstream string) {
	e.t.Helper()
	want := map[string]string{"en": "Your identity was not confirmed at the level this service needs",
		"fr": "Votre identité n’a pas été confirmée au niveau que ce service exige"}[lang]
	if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, upstream) {
		e.t.Fatalf("%s: an answer below the level gives %d %.800s", lang, p.Resp.StatusCode, p.Body)
	}
	if retry := regexpFind(p.Body, `<a class="button" href="([^"]+)"`); !strings.HasPrefix(retry, "/login/"+id) {
		e.t.Errorf("%s: the retry link is %q", lang, retry)
	}
	for _, path := range []string{"", "/mfa", "/first"} {
		p := b.Get(e.issuer + "/login/" + id + path)
		if strings.Contains(p.Resp.Request.URL.String(), "code=") || strings.Contains(p.Resp.Request.URL.Path, "/mfa/") ||
			strings.Contains(p.Body, `name="code"`) {
			e.t.Errorf("%s: %s after the refusal goes on to %s", lang, path, p.Resp.Request.URL)
		}
	}
}

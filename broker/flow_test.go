package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

func TestCodeFlowWithPKCE(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := e.signIn(r, b, "gckey", "alex", oauth2.SetAuthURLParam("ui_locales", "fr-CA"))
	c := tok.claims
	for _, k := range []string{"sub", "auth_time", "sid", "acr", "nonce"} {
		if c[k] == nil || c[k] == "" {
			t.Errorf("ID token lacks %s: %v", k, c)
		}
	}
	if c["locale"] != "fr-CA" && c["locale"] != "fr" {
		t.Errorf("locale = %v, want fr (ui_locales)", c["locale"])
	}
	if c["idp"] != nil {
		t.Errorf("rp1 must not learn the provider, got idp=%v", c["idp"])
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token for offline_access")
	}
	if h := tok.idToken.Issuer; h != e.issuer {
		t.Errorf("iss %s", h)
	}
	ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok.Token))
	if err != nil {
		t.Fatal(err)
	}
	// The upstream is asked for openid only, so userinfo has the subject
	// and nothing of the upstream account (attack_privacy_test.go).
	if ui.Subject != tok.idToken.Subject || ui.Email != "" {
		t.Errorf("userinfo sub=%s email=%s, want %s and no email", ui.Subject, ui.Email, tok.idToken.Subject)
	}
}

func TestPairwiseSubjects(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	one := e.signIn(e.rp("rp1"), b, "bank-a", "alex")
	again := e.signIn(e.rp("rp1"), e.browser(), "bank-a", "alex") // fresh browser: a new authentication
	two := e.signIn(e.rp("rp2"), b, "bank-a", "alex")
	three := e.signIn(e.rp("rp3"), b, "bank-a", "alex")
	if one.idToken.Subject != again.idToken.Subject {
		t.Errorf("sub not stable across sign-ins: %s then %s", one.idToken.Subject, again.idToken.Subject)
	}
	if one.idToken.Subject == two.idToken.Subject {
		t.Error("two sectors see the same sub")
	}
	if one.idToken.Subject != three.idToken.Subject {
		t.Error("two clients of one sector (rp1.example) see different subs")
	}
	if three.claims["idp"] != "bank-a" {
		t.Errorf("rp3 reveals the provider; idp = %v", three.claims["idp"])
	}
	hdr := strings.Split(three.raw, ".")[0]
	if !strings.Contains(decodeSeg(t, hdr), `"RS256"`) {
		t.Errorf("rp3 asked RS256, header %s", decodeSeg(t, hdr))
	}
}

// TestUpstreamLearnsNothingOfTheRP checks the privacy invariant: the
// upstream's authorization request names Passerelle only.
func TestUpstreamLearnsNothingOfTheRP(t *testing.T) {
	e := newEnv(t)
	e.signIn(e.rp("rp2"), e.browser(), "bank-b", "sam")
	// Browsers send no Referer upstream: every broker page forbids it.
	p := e.browser().Get(e.rp("rp2").start().url)
	if got := p.Resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
	reqs := e.upstream["bank-b"].requests()
	if len(reqs) == 0 {
		t.Fatal("upstream saw no authorization request")
	}
	allowed := []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "ui_locales", "prompt"}
	for _, r := range reqs {
		q := r.URL.Query()
		for k, vs := range q {
			if !slices.Contains(allowed, k) {
				t.Errorf("upstream got unexpected parameter %s", k)
			}
			for _, v := range vs {
				if strings.Contains(v, "rp2") || strings.Contains(v, "Portal") {
					t.Errorf("upstream parameter %s=%s names the relying party", k, v)
				}
			}
		}
		if q.Get("client_id") != "passerelle" || !strings.HasPrefix(q.Get("redirect_uri"), e.issuer+"/callback/") {
			t.Errorf("upstream request is not in Passerelle's name: %v", q)
		}
	}
}

func TestChooserAndBankList(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	p := b.Get(r.start().url)
	if p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Body, "Sign-In Partner") || !strings.Contains(p.Body, "gckey EN") {
		t.Fatalf("chooser: %d %.500s", p.Resp.StatusCode, p.Body)
	}
	if strings.Contains(p.Body, "bank-a EN") {
		t.Error("banks are listed on the chooser instead of behind Sign-In Partner")
	}
	banks := b.choose(p, "partners")
	if !strings.Contains(banks.Body, "bank-a EN") || !strings.Contains(banks.Body, "bank-b EN") {
		t.Fatalf("bank list: %.500s", banks.Body)
	}
	// rp3 allows only bank-a: the chooser skips itself.
	p = b.Get(e.rp("rp3").start().url)
	if !strings.Contains(p.Resp.Request.URL.String(), "/bank-a/authorize") {
		t.Errorf("single allowed provider should go straight upstream, landed on %s", p.Resp.Request.URL)
	}
	// idp_hint pre-selects.
	p = b.Get(r.start(oauth2.SetAuthURLParam("idp_hint", "bank-b")).url)
	if !strings.Contains(p.Resp.Request.URL.String(), "/bank-b/authorize") {
		t.Errorf("idp_hint=bank-b landed on %s", p.Resp.Request.URL)
	}
}

// TestUpstreamCallbackChecks: the callback's state must be the one
// derived for this sign-in and the provider it comes back from, and a
// leg's answer is accepted once.
func TestUpstreamCallbackChecks(t *testing.T) {
	e := newEnv(t)
	holdCallback := true
	stop := func(u *url.URL) bool {
		return testbrowser.StopAtExample(u) || (holdCallback && strings.HasPrefix(u.Path, "/callback/"))
	}
	b := &browser{Browser: testbrowser.New(t, stop), e: e}
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // alex's authenticator app
	p := b.upstreamLoginRaw(b.choose(b.Get(e.rp("rp1").start().url), "gckey"), "alex")
	back, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || back.Path != "/callback/gckey" {
		t.Fatalf("upstream answered %d to %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	refused := func(what string, u url.URL) {
		t.Helper()
		if got := b.Get(u.String()); got.Resp.StatusCode != http.StatusBadRequest || got.Resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d, Location %q", what, got.Resp.StatusCode, got.Resp.Header.Get("Location"))
		}
	}
	tampered := *back
	q := back.Query()
	q.Set("state", q.Get("state")+"x")
	tampered.RawQuery = q.Encode()
	refused("tampered state", tampered)
	elsewhere := *back
	elsewhere.Path = "/callback/bank-a"
	refused("state of another provider", elsewhere)

	holdCallback = false
	if got := b.Get(back.String()); !strings.Contains(got.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("the real callback should lead to the second factor, got %d at %s", got.Resp.StatusCode, got.Resp.Request.URL)
	}
	holdCallback = true
	refused("the same callback again", *back)
}

// TestOneCredentialPerSignIn: once a credential has named the account, the
// same request cannot start another one (which could swap the account
// under a second factor or a code already issued); until then a person
// may go back and use the same provider again.
func TestOneCredentialPerSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // alex's authenticator app
	b := e.browser()
	p := b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "alex")
	path := p.Resp.Request.URL.Path
	id, _, _ := strings.Cut(strings.TrimPrefix(path, "/login/"), "/")
	_, fv, ok := p.UseForm()
	if !strings.Contains(path, "/mfa/use/") || !ok {
		t.Fatalf("expected the second-factor challenge, got %s", p.Resp.Request.URL)
	}
	other := b.Post(e.issuer+"/login/"+id+"/choose/bank-a", url.Values{"csrf": {fv.Get("csrf")}})
	if got := other.Resp.Request.URL; got.Host != p.Resp.Request.URL.Host || !strings.Contains(got.Path, "/mfa/use/") {
		t.Errorf("another credential after the first named the account: landed on %s", got)
	}

	// A credential Passerelle does not know yet: the person goes back and
	// picks the same provider again.
	b = e.browser()
	first := b.upstreamLoginRaw(b.choose(b.Get(r.start().url), "gckey"), "sam")
	if !strings.Contains(first.Resp.Request.URL.Path, "/first") {
		t.Fatalf("expected the first sign-in choice, got %s", first.Resp.Request.URL)
	}
	id, _, _ = strings.Cut(strings.TrimPrefix(first.Resp.Request.URL.Path, "/login/"), "/")
	again := b.upstreamLoginRaw(b.choose(b.Get(e.issuer+"/login/"+id), "gckey"), "sam")
	if again.Resp.StatusCode != http.StatusOK || !strings.Contains(again.Resp.Request.URL.Path, "/first") {
		t.Errorf("the same provider again before the account is known: %d at %s", again.Resp.StatusCode, again.Resp.Request.URL)
	}
}

package broker_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

const (
	loa2 = "urn:gc-ca:cyber-auth:assurance:loa2"
	loa3 = "urn:gc-ca:cyber-auth:assurance:loa3"
)

func amr(c map[string]any) []string {
	var out []string
	for _, v := range c["amr"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func TestMFAEnrolmentThenChallenge(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := e.signIn(r, b, "gckey", "alex")
	if tok.claims["acr"] != loa3 {
		t.Errorf("acr after an authenticator app = %v, want %s", tok.claims["acr"], loa3)
	}
	if got := amr(tok.claims); !slices.Contains(got, "otp") || !slices.Contains(got, "mfa") || !slices.Contains(got, "pwd") {
		t.Errorf("amr = %v, want pwd, otp and mfa", got)
	}
	if len(e.recovery["gckey/alex"]) != 10 {
		t.Errorf("recovery codes shown at enrolment: %d, want 10", len(e.recovery["gckey/alex"]))
	}
	// Another browser: the upstream again, then a challenge, not a set-up.
	b2 := e.browser()
	a := r.start()
	up := b2.choose(b2.Get(a.url), "gckey")
	p := b2.upstreamPost(up, "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("second sign-in should challenge, landed on %s", p.Resp.Request.URL)
	}
	to, fv, _ := p.UseForm()
	// A wrong code: the generic message, nothing else changes.
	fv.Set("code", "000000")
	if bad := b2.Post(to, fv); bad.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(bad.Body, "error-summary") {
		t.Errorf("wrong code: %d", bad.Resp.StatusCode)
	}
	e.clock.Advance(30 * time.Second)
	code := e.totpCode(e.totp["gckey/alex"])
	fv.Set("code", code)
	q := r.callback(b2.Post(to, fv), a)
	if q.Get("code") == "" {
		t.Fatalf("right code did not finish the sign-in: %v", q)
	}
	// The same code again (same time step) in a third browser: a replay.
	b3 := e.browser()
	p = b3.upstreamPost(b3.choose(b3.Get(r.start().url), "gckey"), "alex")
	to, fv, _ = p.UseForm()
	fv.Set("code", code)
	if replay := b3.Post(to, fv); replay.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed TOTP code accepted: %d", replay.Resp.StatusCode)
	}
}

func TestSSOCarriesTheSecondFactor(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	r2 := e.rp("rp2")
	a := r2.start()
	q := r2.callback(b.Get(a.url), a)
	tok, err := r2.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims["acr"] != loa3 {
		t.Errorf("SSO acr = %v, want the session's %s", tok.claims["acr"], loa3)
	}
}

func TestEverySignInAsksAgain(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients[1].MFA.EverySignIn = true })
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	a := e.rp("rp2").start()
	p := b.Get(a.url)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("rp2 asks for MFA at every sign-in; landed on %s (%d)", p.Resp.Request.URL, p.Resp.StatusCode)
	}
	// prompt=none cannot ask: interaction_required.
	a = e.rp("rp2").start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := e.rp("rp2").callback(b.Get(a.url), a); q.Get("error") != "interaction_required" {
		t.Errorf("prompt=none with MFA due: %v", q)
	}
}

func TestRecoveryCodeThenNewFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	codes := e.recovery["gckey/alex"]
	b := e.browser()
	a := r.start()
	p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex")
	m := regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`)
	if m == "" {
		t.Fatalf("no lost-factor link on the challenge: %.600s", p.Body)
	}
	p = b.Get(e.issuer + m)
	to, v, _ := p.Action("/mfa/recovery")
	v.Set("code", "AAAA-BBBB-CCCC")
	if bad := b.Post(to, v); bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong recovery code: %d", bad.Resp.StatusCode)
	}
	v.Set("code", strings.ToLower(codes[0]))
	p = b.Post(to, v)
	if !strings.Contains(p.Body, "/mfa/enrol/") {
		t.Fatalf("after a recovery code the person must set up a new factor: %s %.500s", p.Resp.Request.URL, p.Body)
	}
	q := r.callback(b.totpMFA(p, "gckey/alex"), a)
	if q.Get("code") == "" {
		t.Fatalf("sign-in did not finish after the new factor: %v", q)
	}
	// The used recovery code is spent.
	b = e.browser()
	p = b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "alex")
	p = b.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
	to, v, _ = p.Action("/mfa/recovery")
	v.Set("code", codes[0])
	if again := b.Post(to, v); again.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a used recovery code worked again: %d", again.Resp.StatusCode)
	}
}

func TestFailuresDelayThenLock(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.MFA.Lockout.Limit = 8 })
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	b := e.browser()
	p := b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "alex")
	to, v, _ := p.UseForm()
	v.Set("code", "000000")
	var last page
	for i := 1; i <= 8; i++ {
		last = b.Post(to, v)
		if i >= 5 && i < 8 {
			// From the 5th failure an immediate retry is held back, and not counted.
			if w := b.Post(to, v); !strings.Contains(w.Body, "Wait") {
				t.Errorf("retry after failure %d: no delay message", i)
			}
			e.clock.Advance(time.Minute) // let the delay pass
		}
	}
	if last.Resp.StatusCode != http.StatusForbidden || !strings.Contains(last.Body, "Your account is locked") {
		t.Fatalf("8th failure with limit 8: %d, want the locked page", last.Resp.StatusCode)
	}
	// Locked: even the right code is refused, and a new sign-in stops early.
	e.clock.Advance(time.Minute)
	v.Set("code", e.totpCode(e.totp["gckey/alex"]))
	if p := b.Post(to, v); p.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("locked account accepted a right code: %d", p.Resp.StatusCode)
	}
	b2 := e.browser()
	if p := b2.upstreamPost(b2.choose(b2.Get(r.start().url), "gckey"), "alex"); p.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("locked account: new sign-in got %d", p.Resp.StatusCode)
	}
}

func TestClientPolicyNobodyCanMeet(t *testing.T) {
	// Security keys need a domain name; this broker runs on 127.0.0.1, so a
	// client that accepts only keys cannot be satisfied.
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients[0].MFA.Factors = []string{"webauthn"} })
	b := e.browser()
	p := b.upstreamPost(b.choose(b.Get(e.rp("rp1").start().url), "gckey"), "alex")
	if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, "<h1") {
		t.Errorf("unmeetable policy: %d", p.Resp.StatusCode)
	}
}

func TestStepUpWithACRValues(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Clients[0].MFA.ACR = loa2
	})
	r := e.rp("rp1")
	b := e.browser()
	first := e.signIn(r, b, "gckey", "alex")
	if first.claims["acr"] != loa3 {
		t.Fatalf("acr %v", first.claims["acr"])
	}
	// Asking loa4 needs a security key, which this broker cannot offer.
	a := r.start(oauth2.SetAuthURLParam("acr_values", "urn:gc-ca:cyber-auth:assurance:loa4"))
	if p := b.Get(a.url); p.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("acr_values=loa4 without security keys: %d", p.Resp.StatusCode)
	}
	// Asking loa2 or loa3 is satisfied by the session's loa3.
	a = r.start(oauth2.SetAuthURLParam("acr_values", loa2+" "+loa3))
	tok, err := r.exchange(r.callback(b.Get(a.url), a).Get("code"), a)
	if err != nil || tok.claims["acr"] != loa3 {
		t.Errorf("acr_values loa2 loa3: %v %v", err, tok.claims["acr"])
	}
}

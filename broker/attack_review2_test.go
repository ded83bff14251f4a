package broker_test

// Attacks on this session's changes (second review): what an anonymous
// visitor can make the server store through the account pages, the bound
// on sign-ins in progress, and the other paths named in each test.

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// TestAttackAccountPagesFloodFromOneSource: an anonymous visitor's GET of
// an account page starts a sign-in (an auth request stored for the
// account window). Those count against the source's rate limit like
// /authorize's: a flood from one address stores at most its burst, then
// gets 429, and another address still starts its sign-in.
func TestAttackAccountPagesFloodFromOneSource(t *testing.T) {
	e := newEnvLimited(t, demoidp.Faults{}, broker.RateLimitConfig{PerSecond: 1, Burst: 5})
	h := e.broker.Handler()
	const attacker, other = "203.0.113.7:40000", "198.51.100.9:40000"
	refused := 0
	for i := range 40 {
		path := []string{"/account", "/account/security", "/account/organizations"}[i%3]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, attackerRequest(http.MethodGet, path, attacker, nil))
		if rec.Code == http.StatusTooManyRequests {
			refused++
		}
	}
	if n := storedAuthRequests(t, e); n > 5 {
		t.Errorf("an anonymous source stored %d auth requests through the account pages, want at most its burst (5)", n)
	}
	if refused == 0 {
		t.Errorf("no request of the flood was refused")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, attackerRequest(http.MethodGet, "/account", other, nil))
	if rec.Code != http.StatusSeeOther {
		t.Errorf("another source: %d, want 303 to its sign-in", rec.Code)
	}
	if n := storedAuthRequests(t, e); n != 1 {
		t.Errorf("%d auth requests stored for the other source, want 1", n)
	}
}

// TestAttackFloodFillsSignInsInProgress: the bbolt store holds at most
// MaxAuthRequests sign-ins in progress. Anonymous visitors from enough
// addresses to stay under each one's rate limit (a dozen at the
// defaults, or one IPv6 /48) start sign-ins until the table is full and
// keep it full. They must not refuse a real person's new sign-in, nor
// lose one already past its credential: a new sign-in takes the place of
// the oldest that nobody has signed in to yet.
func TestAttackFloodFillsSignInsInProgress(t *testing.T) {
	const bound = 30
	e := newEnvOpts(t, envOptions{rateLimit: testRateLimit, maxAuthRequests: bound})
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // TOTP set up
	e.signIn(r, e.browser(), "gckey", "sam")

	// Alex starts a sign-in and passes the credential; the factor is asked.
	victim := e.browser()
	a := r.start()
	p := victim.choose(victim.Get(a.url), "gckey")
	p = victim.upstreamPost(p, "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/") {
		t.Fatalf("after the credential: %s, want the second factor", p.Resp.Request.URL)
	}

	flood := func(n int) {
		for range n {
			resp, err := noRedirects.Get(authURL(e.issuer, validParams()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	flood(3 * bound)

	// Alex finishes: the factor's answer reaches a code.
	q := r.callback(victim.totpMFA(p, "gckey/alex"), a)
	if _, err := r.exchange(q.Get("code"), a); err != nil {
		t.Fatalf("the sign-in past its credential before the flood: %v", err)
	}
	flood(3 * bound)
	// Sam, arriving during the flood, signs in.
	e.signIn(r, e.browser(), "gckey", "sam")
}

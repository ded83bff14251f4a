package broker_test

// Attacks on this session's changes (second review): what an anonymous
// visitor can make the server store through the account pages, the bound
// on sign-ins in progress, and the other paths named in each test.

import (
	"net/http"
	"net/http/httptest"
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
		path := []string{"/account", "/account/security", "/account/orgs"}[i%3]
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

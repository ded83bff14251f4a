package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// TestAttackLogoutTokenIsNoIDToken: a logout token a relying party
// received (or one lifted from its logs) passes for nothing at
// Passerelle: not as the id_token_hint of a logout, which would then end
// a session without asking, nor of an authorization request.
func TestAttackLogoutTokenIsNoIDToken(t *testing.T) {
	lr := newLogoutReceiver(t)
	e := newEnvWith(t, demoidp.Faults{}, withLogoutURIs(lr, false))
	r := e.rp("rp1")
	b := e.browser()
	first := e.signIn(r, b, "gckey", "alex")
	b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {first.raw}}.Encode())
	e.broker.DeliverLogouts(context.Background())
	stolen := lr.tokens("/rp1")
	if len(stolen) != 1 {
		t.Fatalf("%d logout tokens", len(stolen))
	}
	e.signIn(r, b, "gckey", "alex")

	// As a logout's hint: refused, the session stays.
	v := url.Values{"id_token_hint": {stolen[0]}, "post_logout_redirect_uri": {"https://rp1.example/bye"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" {
		t.Errorf("a logout token as id_token_hint at end_session: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	if !sessionAlive(r, b) {
		t.Error("a logout token ended the session without asking")
	}
	// As an authorization request's hint: invalid_request, no code.
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", stolen[0]))
	if q := r.callback(b.Get(a.url), a); q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Errorf("a logout token as id_token_hint at authorize: %v", q)
	}
}

// TestAttackLogoutEndsOnlyOwnSession: someone holding another person's
// ID token (a hint lifted from a URL) who logs out with it in their own
// browser ends their own session only: the other person's session goes
// on, and no client is told anything about it.
func TestAttackLogoutEndsOnlyOwnSession(t *testing.T) {
	lr := newLogoutReceiver(t)
	e := newEnvWith(t, demoidp.Faults{}, withLogoutURIs(lr, false))
	r := e.rp("rp1")
	victim, attacker := e.browser(), e.browser()
	vt := e.signIn(r, victim, "gckey", "alex")
	at := e.signIn(r, attacker, "gckey", "sam")
	// Without a session of their own, and then with one.
	for _, b := range []*browser{e.browser(), attacker} {
		b.Get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {vt.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}}.Encode())
	}
	e.broker.DeliverLogouts(context.Background())
	if !sessionAlive(r, victim) {
		t.Fatal("the victim's session ended")
	}
	for _, tok := range lr.tokens("/rp1") {
		verifyLogoutToken(t, e, tok, "rp1", at) // the attacker's own session, never the victim's
	}
	if strings.Contains(strings.Join(lr.tokens("/rp1"), ""), vt.claims["sid"].(string)) {
		t.Error("a logout token names the victim's session")
	}
}

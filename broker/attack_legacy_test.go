package broker_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// TestAttackLegacyBeforeTheFactor: the holder of a stolen password, at
// the account's second factor, posts the legacy account's right username
// and password to the step: it does not answer, links nothing, counts
// nothing and yields no code.
func TestAttackLegacyBeforeTheFactor(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, legacyClients(""))
	importLegacy(t, e)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's app
	before := e.failures("alex")
	b, p, _ := e.attackerAtChallenge(e.rp("rp2"), "gckey", "alex")
	base := e.issuer + stepPath(t, p)
	for _, decision := range []string{"link", "none"} {
		got := b.Post(base+"/step/legacy", url.Values{"csrf": {csrfOf(t, p)}, "decision": {decision},
			"username": {"jlee"}, "password": {"ancien"}})
		noCode(t, got, "legacy "+decision+" at the challenge")
		if !strings.Contains(got.Resp.Request.URL.Path, "/mfa/use/") {
			t.Errorf("the legacy step answered %s out of turn: %s", decision, got.Resp.Request.URL)
		}
	}
	if g := b.Get(base + "/step/legacy"); strings.Contains(g.Body, "former account") {
		t.Errorf("the legacy page showed before the factor: %s", g.Resp.Request.URL)
	}
	if _, err := e.store.GetLegacyLinkByLegacyID(t.Context(), "rp2", "L-200"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a legacy link was written before the factor: %v", err)
	}
	if got := e.failures("alex"); got != before {
		t.Errorf("failures %d, want %d", got, before)
	}
}

// TestAttackLegacyGuessing: a person past their own factor uses the step
// to guess another person's legacy password. Each guess counts on their
// own account, which locks at the limit; after that even the right
// password links nothing and yields no code.
func TestAttackLegacyGuessing(t *testing.T) {
	const limit = 5
	e := newEnvWith(t, demoidp.Faults{}, legacyClients(""), func(c *broker.Config) {
		c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = limit, limit
	})
	importLegacy(t, e)
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "sam")
	stepURL, csrf := p.Resp.Request.URL.String(), csrfOf(t, p)
	for i := range limit {
		p = legacyAnswer(t, b, p, "link", "jlee", "guess-"+string(rune('a'+i)))
		noCode(t, p, "a guess")
		if i < limit-1 && !strings.Contains(errorOf(p), "is not that of an account") {
			t.Fatalf("guess %d: %s", i, errorOf(p))
		}
	}
	if !e.accountOf("sam").Locked {
		t.Fatalf("not locked after %d wrong legacy passwords (failures %d)", limit, e.failures("sam"))
	}
	if !strings.Contains(p.Body, "locked") {
		t.Errorf("after the last guess: %s %.300s", p.Resp.Request.URL, p.Body)
	}
	got := b.Post(stepURL, url.Values{"csrf": {csrf},
		"decision": {"link"}, "username": {"jlee"}, "password": {"ancien"}})
	noCode(t, got, "the right password once locked")
	if _, err := e.store.GetLegacyLinkByLegacyID(t.Context(), "rp2", "L-200"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a locked account linked the legacy account: %v", err)
	}
}

package broker_test

import (
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// TestAttackRefreshedClaimsWaitForTheSecondFactor: with refresh_claims on,
// someone holding only alex's bank password (who may also have changed the
// address at the bank) signs in at the bank and stops at alex's second
// factor. Nothing the bank gave reaches alex's account: its email (where
// security notices go) and name stay as they were, and no email-change
// notice is sent, until a sign-in passes alex's own second factor.
func TestAttackRefreshedClaimsWaitForTheSecondFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.accountMovedFromTheBank(r)
	e.refreshClaimsOf("bank-a")
	before := e.mailsTo("alex.work@example.org")

	b := e.browser()
	p := b.upstreamLoginRaw(b.choose(b.choose(b.Get(r.start().url), "partners"), "bank-a"), "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa") {
		t.Fatalf("the bank password alone went to %s", p.Resp.Request.URL)
	}
	if a := e.onlyAccount(); a.Email != "alex.work@example.org" || a.GivenName != "Alexandra" {
		t.Errorf("the bank's claims reached the account before its second factor: %q %q", a.Email, a.GivenName)
	}
	if n := e.auditCount("account.claims", "success"); n != 0 {
		t.Errorf("claims refreshed before the second factor: %d events", n)
	}
	if got := e.mailsTo("alex.work@example.org") - before; got != 0 {
		t.Errorf("an email-change notice went out before the second factor: %d", got)
	}

	e.signIn(r, e.browser(), "bank-a", "alex")
	if a := e.onlyAccount(); a.Email != "alex@example.org" || a.GivenName != "Alex" {
		t.Errorf("after alex's own sign-in the claims were not refreshed: %q %q", a.Email, a.GivenName)
	}
}

// TestAttackRefreshRace: someone who stole alex's refresh token presents
// it at the same moment as alex's application, eight times over, so that
// the presentations are read together and their rotations share a
// commit. At most one gets new tokens, and the family dies: whatever
// either side received no longer refreshes nor introspects as active.
func TestAttackRefreshRace(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	const n = 8
	got := make([]*oauth2.Token, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], _ = e.refresh(r, tok.RefreshToken) })
	}
	wg.Wait()
	access := []string{tok.AccessToken}
	var refreshed []string
	for _, g := range got {
		if g != nil {
			access = append(access, g.AccessToken)
			refreshed = append(refreshed, g.RefreshToken)
		}
	}
	if len(refreshed) > 1 {
		t.Errorf("%d of %d racing presentations of one refresh token got new tokens", len(refreshed), n)
	}
	for _, rt := range append(refreshed, tok.RefreshToken) {
		if _, err := e.refresh(r, rt); err == nil {
			t.Error("a refresh token of the raced family still works")
		}
	}
	for _, at := range access {
		if e.introspect(at)["active"] != false {
			t.Error("an access token of the raced family is still active")
		}
	}
}

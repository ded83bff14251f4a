package broker_test

import (
	"strings"
	"testing"
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

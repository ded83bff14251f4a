package broker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestAttackDormantAccountIsRevivedByNoPersonPath: alex's account went
// dormant; someone holding alex's password (or alex) tries every way a
// person has: signing in again and again, jumping to the second-factor
// step, linking a new credential to the account, opening the account
// page, a silent prompt=none request. Each ends at the dormant page or
// without a code; the account stays dormant, its last sign-in time
// unchanged, nothing linked. Only the administrator revives it
// (TestDormantAccountStopsUntilAnAdministratorReactivatesIt).
func TestAttackDormantAccountIsRevivedByNoPersonPath(t *testing.T) {
	e := newDormancyEnv(t)
	r := e.rp("rp1")
	acct := e.dormantAccount(r)
	ctx := context.Background()

	for range 3 {
		b := e.browser()
		expectDormantPage(t, b.upstreamLoginRaw(b.choose(b.Get(r.start().url), "gckey"), "alex"), "en")
	}
	marked, err := e.store.GetAccount(ctx, acct.ID)
	if err != nil || marked.DormantSince.IsZero() {
		t.Fatalf("not marked dormant: %+v, %v", marked, err)
	}

	// Straight to the second factor of the stopped sign-in.
	b := e.browser()
	p, id := b.openSignIn(r)
	expectDormantPage(t, b.upstreamLoginRaw(b.choose(p, "gckey"), "alex"), "en")
	for _, path := range []string{"/mfa", "/mfa/enrol/totp", "/mfa/recovery", "/first"} {
		p := b.Get(e.issuer + "/login/" + id + path)
		if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, "inactive") {
			t.Errorf("%s of a dormant account's sign-in: %d %.300s", path, p.Resp.StatusCode, p.Body)
		}
		if strings.Contains(p.Resp.Request.URL.String(), "rp1.example") {
			t.Fatalf("%s reached the relying party", path)
		}
	}

	// A new credential, linked to the dormant account by signing in with
	// its own.
	b = e.browser()
	p = b.upstreamLoginRaw(b.choose(b.choose(b.Get(r.start().url), "partners"), "bank-b"), "alex")
	to, v, ok := p.Action("/first/link")
	if !ok {
		t.Fatalf("no link choice for a new credential: %s", p.Resp.Request.URL)
	}
	p = b.upstreamLoginRaw(b.choose(b.Post(to, v), "gckey"), "alex")
	expectDormantPage(t, p, "en")

	// The account page, and a silent request.
	b = e.browser()
	p = b.Get(e.issuer + "/account")
	expectDormantPage(t, b.upstreamLoginRaw(b.choose(p, "gckey"), "alex"), "en")
	p = b.Get(r.start(oauth2.SetAuthURLParam("prompt", "none")).url)
	if q := p.Resp.Header.Get("Location"); strings.Contains(q, "code=") {
		t.Fatalf("prompt=none gave a code: %s", q)
	}

	after, err := e.store.GetAccount(ctx, acct.ID)
	if err != nil || !after.DormantSince.Equal(marked.DormantSince) || !after.LastLoginAt.Equal(acct.LastLoginAt) {
		t.Errorf("the account changed: dormant since %v (was %v), last sign-in %v (was %v), %v",
			after.DormantSince, marked.DormantSince, after.LastLoginAt, acct.LastLoginAt, err)
	}
	if links, err := e.store.ListLinks(ctx, acct.ID); err != nil || len(links) != 1 {
		t.Errorf("links of the dormant account: %+v, %v", links, err)
	}
	if n := e.auditCount("signin", "success"); n != 1 {
		t.Errorf("%d successful sign-ins, want only the first", n)
	}
}

// TestAttackEmailChangeNoticeReachesTheOwner: someone in alex's account
// window (alex left it open) changes the address to one of theirs. The
// notice of the change goes to alex's address, the one before the
// change; the new address gets only its confirmation code, never the
// notice, so the person who made the change cannot hide it.
func TestAttackEmailChangeNoticeReachesTheOwner(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "bank-a", "alex")
	const owner, attacker = "alex@example.org", "mallory@example.net"
	before := e.mailsTo(owner)
	p := e.openAccount(b, "bank-a/alex")
	to, v, _ := p.Action("/account/email")
	v.Set("email", attacker)
	p = b.Post(to, v)
	cto, cv, ok := p.Action("/account/email/confirm")
	if !ok {
		t.Fatalf("no confirmation page: %.300s", p.Body)
	}
	cv.Set("code", e.lastCode(attacker))
	b.Post(cto, cv)
	if a := e.onlyAccount(); a.Email != attacker {
		t.Fatalf("the address did not change: %q", a.Email)
	}
	if got := e.mailsTo(owner) - before; got != 1 {
		t.Fatalf("the owner got %d messages, want the one notice", got)
	}
	if m := e.outbox.Messages()[0]; m.To != owner || !strings.HasPrefix(m.Subject, "The email address of your account changed") {
		t.Errorf("the last message is %q to %s", m.Subject, m.To)
	}
	for _, m := range e.outbox.Messages() {
		if m.To == attacker && strings.Contains(m.Subject, "email address of your account changed") {
			t.Error("the new address got the notice of the change")
		}
	}
}

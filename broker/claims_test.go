package broker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// refreshClaimsOf reloads the broker with refresh_claims on for the
// upstream id.
func (e *env) refreshClaimsOf(id string) {
	e.t.Helper()
	ups := append([]broker.Upstream(nil), e.ups...)
	for i := range ups {
		ups[i].RefreshClaims = ups[i].ID == id
	}
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}
	if err := e.broker.Reload(append([]broker.ClientConfig(nil), testClients...), groups, ups); err != nil {
		e.t.Fatal(err)
	}
}

// TestClaimsRefreshedFromTheUpstream: off by default, a sign-in leaves
// the account's email and name as they are; with refresh_claims on for
// the bank, the next sign-in writes the bank's email and name over them,
// audits which fields changed (not their values), and tells the address
// before the change; a sign-in that changes nothing writes nothing.
func TestClaimsRefreshedFromTheUpstream(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.accountMovedFromTheBank(r)
	e.signIn(r, e.browser(), "bank-a", "alex")
	if a := e.onlyAccount(); a.Email != "alex.work@example.org" || a.GivenName != "Alexandra" {
		t.Fatalf("refreshed without refresh_claims: %q %q", a.Email, a.GivenName)
	}

	e.refreshClaimsOf("bank-a")
	before := e.mailsTo("alex.work@example.org")
	e.signIn(r, e.browser(), "bank-a", "alex")
	a := e.onlyAccount()
	if a.Email != "alex@example.org" || !a.EmailVerified || a.EmailFrom != "bank-a" || a.GivenName != "Alex" || a.NameFrom != "bank-a" {
		t.Errorf("after a refreshing sign-in: %+v", a)
	}
	var ev []store.AuditEvent
	for _, x := range e.audit() {
		if x.Kind == "account.claims" {
			ev = append(ev, x)
		}
	}
	if len(ev) != 1 || ev[0].Detail["changed"] != "email name" || ev[0].Detail["provider"] != "bank-a" {
		t.Fatalf("claims audit: %+v", ev)
	}
	for _, v := range ev[0].Detail {
		if strings.Contains(v, "@") || strings.Contains(v, "Alex") {
			t.Errorf("the audit holds a value: %v", ev[0].Detail)
		}
	}
	if got := e.mailsTo("alex.work@example.org") - before; got != 1 ||
		!strings.HasPrefix(e.outbox.Messages()[0].Subject, noticeSubjects[notify.NoticeEmailChanged]) {
		t.Errorf("the address before the change got %d messages, the last %q", got, e.outbox.Messages()[0].Subject)
	}
	e.signIn(r, e.browser(), "bank-a", "alex")
	if n := e.auditCount("account.claims", "success"); n != 1 {
		t.Errorf("a sign-in that changes nothing was audited: %d events", n)
	}
}

// TestAttackRefreshedEmailNeverLinks: with refresh_claims on, alex's
// account now carries the email a bank gives. Someone signing in with
// another bank's credential that gives the same address is not joined
// to alex's account: it is a new credential, asked what to do, and
// linking it still takes alex's own credential and second factor.
func TestAttackRefreshedEmailNeverLinks(t *testing.T) {
	e := newEnv(t)
	e.refreshClaimsOf("bank-a")
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "bank-a", "alex")
	e.signIn(r, e.browser(), "bank-a", "alex")
	if a := e.onlyAccount(); a.Email != "alex@example.org" {
		t.Fatalf("account email %q", a.Email)
	}
	b := e.browser()
	p := b.upstreamLoginRaw(b.choose(b.choose(b.Get(r.start().url), "partners"), "bank-b"), "alex")
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("a credential with the same refreshed email went to %s", p.Resp.Request.URL)
	}
	links, err := e.store.ListLinks(context.Background(), e.onlyAccount().ID)
	if err != nil || len(links) != 1 {
		t.Errorf("alex's links: %+v, %v", links, err)
	}
}

// accountMovedFromTheBank signs alex in at bank-a through r, then moves
// the account's values away from the bank's, as if since then: an
// address confirmed at Passerelle, an older name. It returns the account.
func (e *env) accountMovedFromTheBank(r *rp) store.Account {
	e.t.Helper()
	e.signIn(r, e.browser(), "bank-a", "alex")
	acct := e.onlyAccount()
	if err := e.store.UpdateAccount(context.Background(), acct.ID, func(a store.Account) (store.Account, error) {
		a.Email, a.EmailVerified, a.EmailFrom = "alex.work@example.org", true, ""
		a.GivenName = "Alexandra"
		return a, nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return acct
}

package broker_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// openOrgs opens the account's organization pages in a browser signed in
// as user at gckey (the account's second factor passed again for them).
func (e orgEnv) openOrgs(t *testing.T, b *browser, user, path string) page {
	t.Helper()
	p := b.totpMFA(b.Get(e.issuer+path), "gckey/"+user)
	if p.Resp.StatusCode != http.StatusOK || p.Resp.Request.URL.Path != path {
		t.Fatalf("expected %s, landed on %s (%d): %.500s", path, p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	return p
}

var codeOnPage = regexp.MustCompile(`<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)

// TestTraderManagesTheBusinessOnTheAccountPages drives the rest of seed
// 002 over HTTP: the owner (activated at sign-in) invites a full-access
// user and an administrator from the account pages (each code shown
// once); both join, one at sign-in and one on their own account page;
// the administrator may not give the delegated-owner role nor touch the
// owner; the owner offers ownership to the administrator by family name,
// URN and email; it passes only when the administrator accepts it, and
// the old owner becomes a delegated owner.
func TestTraderManagesTheBusinessOnTheAccountPages(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	biz := e.create(t, "Acme Imports", "BN-5", store.OrgPending)
	ob := e.browser()
	p, a := e.atStep(t, ob, "alex")
	submit(t, ob, p, "request", url.Values{"number": {"BN-5"}})
	letters, _ := e.svc.Letters(ctx, "rp2")
	e.finish(t, submit(t, ob, p, "activate", url.Values{"number": {"BN-5"}, "activation-code": {letters[0].Code}}), a)

	// The business's page, reached from the list.
	list := e.openOrgs(t, ob, "alex", "/account/organizations")
	base := "/account/organizations/rp2/" + biz.ID
	if !strings.Contains(list.Body, base) || !strings.Contains(list.Body, "Acme Imports — Portal Two — Account owner") {
		t.Fatalf("the list: %.1000s", list.Body)
	}
	invite := func(role string) string {
		t.Helper()
		to, v, ok := ob.Get(e.issuer + base).Action(base + "/invite")
		if !ok {
			t.Fatal("no invite form")
		}
		v.Set("role", role)
		got := ob.Post(to, v)
		m := codeOnPage.FindStringSubmatch(got.Body)
		if m == nil {
			t.Fatalf("no code shown after inviting: %.800s", got.Body)
		}
		if again := ob.Get(e.issuer + base); strings.Contains(again.Body, m[1]) {
			t.Fatal("the code is shown a second time")
		}
		return m[1]
	}
	userCode, adminCode := invite("full_access"), invite("administrator")

	sb := e.browser()
	p, a = e.atStep(t, sb, "sam")
	e.finish(t, submit(t, sb, p, "join", url.Values{"code": {adminCode}}), a)
	sam := e.accountOf(t, "sam")
	// The user code stays pending on the owner's page; revoke it.
	page := ob.Get(e.issuer + base)
	revoke := regexp.MustCompile(`action="(` + regexp.QuoteMeta(base) + `/revoke/[0-9a-f]+)"`).FindStringSubmatch(page.Body)
	if revoke == nil || !strings.Contains(page.Body, "Full-access user, valid until") {
		t.Fatalf("no pending invitation to revoke: %.1200s", page.Body)
	}
	to, v, _ := page.Action(revoke[1])
	if got := ob.Post(to, v); !strings.Contains(got.Body, "The invitation is cancelled") {
		t.Fatalf("revoke: %.600s", got.Body)
	}
	if _, err := e.svc.Redeem(ctx, "rp2", "someone", userCode); err == nil {
		t.Error("a revoked code still works")
	}

	// The administrator's own page: no way to give delegated owner, no
	// way to remove the owner; a forged post is refused.
	adm := e.openOrgs(t, sb, "sam", base)
	if strings.Contains(adm.Body, `value="delegated_owner"`) || strings.Contains(adm.Body, base+"/remove/0") || strings.Contains(adm.Body, base+"/transfer") {
		t.Errorf("the administrator is offered what the table does not allow: %.1500s", adm.Body)
	}
	_, fv, _ := adm.Action(base + "/invite")
	fv.Set("role", "delegated_owner")
	if got := sb.Post(e.issuer+base+"/invite", fv); !strings.Contains(got.Body, "Your role does not allow this") || codeOnPage.MatchString(got.Body) {
		t.Errorf("an administrator gave the delegated-owner role: %.600s", got.Body)
	}
	if got := sb.Post(e.issuer+base+"/remove/0", fv); !strings.Contains(got.Body, "The owner cannot leave or be removed") {
		t.Errorf("removing the owner: %.600s", got.Body)
	}

	// Transfer: a wrong name is refused; the right one waits for the
	// administrator's acceptance.
	page = ob.Get(e.issuer + base)
	to, v, _ = page.Action(base + "/transfer")
	v.Set("family_name", "Nobody")
	v.Set("urn", sam.URN)
	v.Set("email", sam.Email)
	if got := ob.Post(to, v); !strings.Contains(got.Body, "No member of this organization has this family name") {
		t.Fatalf("a mismatched transfer: %.600s", got.Body)
	}
	v.Set("family_name", sam.FamilyName)
	if got := ob.Post(to, v); !strings.Contains(got.Body, "Ownership is offered") {
		t.Fatalf("the offer: %.600s", got.Body)
	}
	if o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID); o.Owner != e.accountOf(t, "alex").ID {
		t.Fatal("ownership passed before the acceptance")
	}
	offers := sb.Get(e.issuer + "/account/organizations")
	to, v, ok := offers.Action(base + "/accept")
	if !ok {
		t.Fatalf("no offer on the new owner's page: %.800s", offers.Body)
	}
	if got := sb.Post(to, v); !strings.Contains(got.Body, "You are now the owner") {
		t.Fatalf("accepting: %.600s", got.Body)
	}
	o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID)
	if o.Owner != sam.ID || o.Role(e.accountOf(t, "alex").ID, "account_owner") != "delegated_owner" {
		t.Errorf("after the transfer: owner %s, members %+v", o.Owner, o.Members)
	}
	if _, roles := orgClaim(t, e.signIn(e.rp("rp2"), sb, "gckey", "sam")); !slices.Equal(roles, []string{"account_owner"}) {
		t.Errorf("the new owner's roles: %v", roles)
	}
}

// TestAttackOrganizationPagesNeedTheFactor: holding only the password,
// the attacker opens the organization pages and posts their forms: every
// one starts the account sign-in, which asks for the victim's own factor,
// and nothing changes.
func TestAttackOrganizationPagesNeedTheFactor(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex")
	victim := e.accountOf(t, "alex")
	biz := e.create(t, "Acme Imports", "", store.OrgActive)
	if err := e.svc.AddMember(ctx, "rp2", biz.ID, orgs.Actor{Admin: true}, victim.ID, "account_owner"); err != nil {
		t.Fatal(err)
	}
	b, _, _ := e.attackerAtChallenge(e.rp("rp1"), "gckey", "alex")
	base := e.issuer + "/account/organizations/rp2/" + biz.ID
	for _, path := range []string{"", "/invite", "/transfer", "/leave", "/remove/0"} {
		var got page
		if path == "" {
			got = b.Get(base)
		} else {
			got = b.Post(base+path, url.Values{"role": {"administrator"}, "csrf": {"forged"}})
		}
		if got.Resp.Request.URL.Path == "/account/organizations/rp2/"+biz.ID || codeOnPage.MatchString(got.Body) {
			t.Errorf("%s answered without the factor: %d %s", path, got.Resp.StatusCode, got.Resp.Request.URL)
		}
	}
	if o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID); len(o.Invitations) != 0 || o.Owner != victim.ID || o.Transfer != nil {
		t.Errorf("the business changed: %+v", o)
	}
}

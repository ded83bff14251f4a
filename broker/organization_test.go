package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// atipTable is ATIP Online's table (seed 001): a manager hands
// practitioners their codes.
func atipTable() *orgs.Config {
	c := &orgs.Config{Required: true, Roles: []orgs.Role{
		{ID: "manager", Name: map[string]string{"en": "Manager", "fr": "Gestionnaire"},
			Invite: []string{"practitioner"}, Manage: []string{"practitioner"}, SeeMembers: true},
		{ID: "practitioner", Name: map[string]string{"en": "Practitioner", "fr": "Praticien"}},
	}}
	c.SetDefaults()
	return c
}

// orgEnv is the harness with rp2 asking for an organization under table,
// and the organizations' rules over the same store (what an
// administrator's CLI does).
type orgEnv struct {
	*env
	svc *orgs.Service
}

func newOrgEnv(t *testing.T, table *orgs.Config, mods ...func(*broker.Config)) orgEnv {
	t.Helper()
	withOrgs := func(c *broker.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == "rp2" {
				c.Clients[i].Steps = []string{organization.Name}
				c.Clients[i].Organizations = table
			}
		}
	}
	e := newEnvWith(t, demoidp.Faults{}, append([]func(*broker.Config){withOrgs}, mods...)...)
	of := func(id string) (*orgs.Config, bool) { return table, id == "rp2" }
	svc := orgs.New(e.store, of, e.clock.Now, func(context.Context, string, string, string, string, map[string]string) {})
	return orgEnv{env: e, svc: svc}
}

// accountOf is the account user signs in to at gckey.
func (e orgEnv) accountOf(t *testing.T, user string) store.Account {
	t.Helper()
	l, err := e.store.GetLink(t.Context(), "gckey", upstreamSubject(t, e.env, "gckey", user))
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.store.GetAccount(t.Context(), l.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// create stores an organization of rp2.
func (e orgEnv) create(t *testing.T, name, number, status string) store.Organization {
	t.Helper()
	o, err := e.svc.Create(t.Context(), "rp2", map[string]string{"en": name, "fr": name}, number, status)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// atStep signs user in to rp2 in browser b (second factor included) and
// expects the organization step's page.
func (e orgEnv) atStep(t *testing.T, b *browser, user string) (page, authorization) {
	t.Helper()
	r := e.rp("rp2")
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), user)
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/"+organization.Name) || p.Resp.StatusCode != http.StatusOK {
		t.Fatalf("expected the organization step, landed on %s (%d): %.500s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	return p, a
}

// submit posts the form of p whose action ends with ?do=what, with fields.
func submit(t *testing.T, b *browser, p page, what string, fields url.Values) page {
	t.Helper()
	to, v, ok := p.Action("?do=" + what)
	if !ok {
		t.Fatalf("no %s form on %s: %.600s", what, p.Resp.Request.URL, p.Body)
	}
	for k := range fields {
		v.Set(k, fields.Get(k))
	}
	return b.Post(to, v)
}

// orgClaim is the org claim's id, and the roles claim.
func orgClaim(t *testing.T, tok tokens) (string, []string) {
	t.Helper()
	org, _ := tok.claims["org"].(map[string]any)
	id, _ := org["id"].(string)
	var roles []string
	list, _ := tok.claims["roles"].([]any)
	for _, r := range list {
		s, _ := r.(string)
		roles = append(roles, s)
	}
	return id, roles
}

// finish reads the callback of p and exchanges its code.
func (e orgEnv) finish(t *testing.T, p page, a authorization) tokens {
	t.Helper()
	r := e.rp("rp2")
	q := r.callback(p, a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// TestATIPPractitionerJoinsWithTheManagersCode drives seed 001: the
// manager of an institution signs in for it; they hand a practitioner a
// security code; the practitioner's first sign-in asks for it after the
// second factor (a wrong one counts as a failure), and from then on the
// practitioner signs in for that institution and no other.
func TestATIPPractitionerJoinsWithTheManagersCode(t *testing.T) {
	e := newOrgEnv(t, atipTable())
	ctx := t.Context()
	inst := e.create(t, "Department of Records", "INST-042", store.OrgActive)
	other := e.create(t, "Other Agency", "INST-777", store.OrgActive)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "sam") // the manager's account exists
	manager := e.accountOf(t, "sam")
	if err := e.svc.AddMember(ctx, "rp2", inst.ID, orgs.Actor{Admin: true}, manager.ID, "manager"); err != nil {
		t.Fatal(err)
	}
	// One institution: the manager goes straight through, with it.
	tok := e.signIn(e.rp("rp2"), e.browser(), "gckey", "sam")
	if id, roles := orgClaim(t, tok); id != inst.ID || !slices.Equal(roles, []string{"manager"}) {
		t.Fatalf("manager's claims: org %q roles %v (%v)", id, roles, tok.claims)
	}
	if number := tok.claims["org"].(map[string]any)["number"]; number != "INST-042" {
		t.Errorf("org number %v", number)
	}
	code, _, err := e.svc.Invite(ctx, "rp2", inst.ID, orgs.Actor{Account: manager.ID}, "practitioner")
	if err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	p, a := e.atStep(t, b, "alex")
	if !strings.Contains(p.Body, `name="code"`) || strings.Contains(p.Body, "Department of Records") {
		t.Fatalf("the code form (and no institution) expected: %.800s", p.Body)
	}
	p = submit(t, b, p, "join", url.Values{"code": {"ABCD-EFGH-JKMN-PQRS"}})
	if !strings.Contains(p.Body, "This code is not recognized") {
		t.Fatalf("a wrong code: %.800s", p.Body)
	}
	if f := e.accountOf(t, "alex").Failures; f != 1 {
		t.Errorf("failures after a wrong code: %d, want 1", f)
	}
	p = submit(t, b, p, "join", url.Values{"code": {strings.ToLower(code)}})
	tok = e.finish(t, p, a)
	if id, roles := orgClaim(t, tok); id != inst.ID || !slices.Equal(roles, []string{"practitioner"}) {
		t.Fatalf("practitioner's claims: org %q roles %v", id, roles)
	}
	// The right code proves nothing about the person: the wrong one stays
	// counted until the second factor is next passed.
	if f := e.accountOf(t, "alex").Failures; f != 1 {
		t.Errorf("failures after the right code: %d, want 1", f)
	}
	// Userinfo answers the same; the next sign-in goes straight through.
	info, err := e.rp("rp2").provider.UserInfo(ctx, oauth2.StaticTokenSource(tok.Token))
	var fromInfo map[string]any
	if err == nil {
		err = info.Claims(&fromInfo)
	}
	if err != nil || fromInfo["org"] == nil || fromInfo["roles"] == nil {
		t.Errorf("userinfo: %v, %v", fromInfo, err)
	}
	again := e.signIn(e.rp("rp2"), b, "gckey", "alex")
	if id, _ := orgClaim(t, again); id != inst.ID || id == other.ID {
		t.Errorf("second sign-in: org %q", id)
	}
	// Another client hears nothing of the institution.
	if elsewhere := e.signIn(e.rp("rp1"), b, "gckey", "alex"); elsewhere.claims["org"] != nil || elsewhere.claims["roles"] != nil {
		t.Errorf("rp1 received organization claims: %v", elsewhere.claims)
	}
}

// TestTraderActivatesInvitesAndTransfers drives seed 002 as far as the
// sign-in goes: a trader asks for the activation code of a business by
// its client number, the operator's export makes the letter, the trader
// enters number and code and signs in as the account owner; a user
// invited by the owner joins with the code; ownership passes to that
// user once they accept it, and the old owner becomes a delegated owner.
func TestTraderActivatesInvitesAndTransfers(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	biz := e.create(t, "Acme Imports", "123456789RM0001", store.OrgPending)
	b := e.browser()
	p, a := e.atStep(t, b, "alex")
	p = submit(t, b, p, "request", url.Values{"number": {"999"}})
	if !strings.Contains(p.Body, "No business awaiting activation has this client number") {
		t.Fatalf("an unknown number: %.800s", p.Body)
	}
	p = submit(t, b, p, "request", url.Values{"number": {"123456789RM0001"}})
	if !strings.Contains(p.Body, "Your request is recorded") {
		t.Fatalf("the request: %.800s", p.Body)
	}
	letters, err := e.svc.Letters(ctx, "rp2")
	if err != nil || len(letters) != 1 {
		t.Fatalf("letters: %v, %v", letters, err)
	}
	p = submit(t, b, p, "activate", url.Values{"number": {"123456789RM0001"}, "activation-code": {"0000-0000-0000-0000"}})
	if !strings.Contains(p.Body, "This code is not recognized") {
		t.Fatalf("a wrong activation code: %.800s", p.Body)
	}
	p = submit(t, b, p, "activate", url.Values{"number": {"123456789RM0001"}, "activation-code": {letters[0].Code}})
	tok := e.finish(t, p, a)
	if id, roles := orgClaim(t, tok); id != biz.ID || !slices.Equal(roles, []string{"account_owner"}) {
		t.Fatalf("the owner's claims: org %q roles %v", id, roles)
	}
	owner := e.accountOf(t, "alex")

	code, _, err := e.svc.Invite(ctx, "rp2", biz.ID, orgs.Actor{Account: owner.ID}, "full_access")
	if err != nil {
		t.Fatal(err)
	}
	sb := e.browser()
	p, a = e.atStep(t, sb, "sam")
	tok = e.finish(t, submit(t, sb, p, "join", url.Values{"code": {code}}), a)
	if _, roles := orgClaim(t, tok); !slices.Equal(roles, []string{"full_access"}) {
		t.Fatalf("the user's roles: %v", roles)
	}
	user := e.accountOf(t, "sam")
	if _, err := e.svc.OfferTransfer(ctx, "rp2", biz.ID, orgs.Actor{Account: owner.ID},
		orgs.Person{FamilyName: user.FamilyName, URN: user.URN, Email: user.Email}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AcceptTransfer(ctx, "rp2", biz.ID, orgs.Actor{Account: user.ID}); err != nil {
		t.Fatal(err)
	}
	if _, roles := orgClaim(t, e.signIn(e.rp("rp2"), sb, "gckey", "sam")); !slices.Equal(roles, []string{"account_owner"}) {
		t.Errorf("the new owner's roles: %v", roles)
	}
	if _, roles := orgClaim(t, e.signIn(e.rp("rp2"), b, "gckey", "alex")); !slices.Equal(roles, []string{"delegated_owner"}) {
		t.Errorf("the old owner's roles: %v", roles)
	}
}

// TestOrganizationChooserAndRemoval: a person in two organizations
// chooses one at each sign-in and cannot choose one they are not in; one
// suspended, the other is theirs without a choice; a refresh after their
// removal from the chosen one fails.
func TestOrganizationChooserAndRemoval(t *testing.T) {
	e := newOrgEnv(t, atipTable())
	ctx := t.Context()
	one := e.create(t, "Agency One", "", store.OrgActive)
	two := e.create(t, "Agency Two", "", store.OrgActive)
	three := e.create(t, "Agency Three", "", store.OrgActive)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex")
	alex := e.accountOf(t, "alex")
	for _, o := range []store.Organization{one, two} {
		if err := e.svc.AddMember(ctx, "rp2", o.ID, orgs.Actor{Admin: true}, alex.ID, "practitioner"); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	p, a := e.atStep(t, b, "alex")
	if !strings.Contains(p.Body, "Agency One — Practitioner") || !strings.Contains(p.Body, "Agency Two") || strings.Contains(p.Body, "Agency Three") {
		t.Fatalf("the chooser: %.1000s", p.Body)
	}
	to, v, _ := p.Action("?do=join")
	stepURL := strings.Split(to, "?")[0]
	got := b.Post(stepURL+"?do=choose&org="+three.ID, url.Values{"csrf": {v.Get("csrf")}})
	noCode(t, got, "choosing an organization one is not in")
	if !strings.Contains(got.Body, "Choose one of your organizations") {
		t.Errorf("choosing another's organization: %.600s", got.Body)
	}
	to, v, ok := p.Action("?do=choose&org=" + two.ID)
	if !ok {
		t.Fatalf("no choice of %s", two.ID)
	}
	tok := e.finish(t, b.Post(to, v), a)
	if id, _ := orgClaim(t, tok); id != two.ID {
		t.Fatalf("chose %s, got %q", two.ID, id)
	}
	// A suspended organization is neither offered nor claimed.
	if err := e.svc.SetStatus(ctx, "rp2", one.ID, orgs.Actor{Admin: true}, store.OrgSuspended); err != nil {
		t.Fatal(err)
	}
	if id, _ := orgClaim(t, e.signIn(e.rp("rp2"), b, "gckey", "alex")); id != two.ID {
		t.Errorf("with one organization suspended, the sign-in chose %q, want %s", id, two.ID)
	}
	if err := e.svc.Remove(ctx, "rp2", two.ID, orgs.Actor{Admin: true}, alex.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rp("rp2").cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("a refresh after the removal from the chosen organization succeeded")
	}
}

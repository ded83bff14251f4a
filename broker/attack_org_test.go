package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// TestAttackOrganizationStepBeforeTheFactor: holding only the password,
// the attacker stops at the second factor and posts every form of the
// organization step with real codes (an invitation, an activation
// letter) and a choice. The step does not answer out of turn: no code
// reaches the client, the invitation stays unused, the business stays
// unactivated, and the victim joins nothing.
func TestAttackOrganizationStepBeforeTheFactor(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's own factor
	victim := e.accountOf(t, "alex")
	biz := e.create(t, "Acme Imports", "BN-1", store.OrgActive)
	pending := e.create(t, "Pending Ltd", "BN-2", store.OrgPending)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "sam")
	if err := e.svc.AddMember(ctx, "rp2", biz.ID, orgs.Actor{Admin: true}, e.accountOf(t, "sam").ID, "account_owner"); err != nil {
		t.Fatal(err)
	}
	code, inv, err := e.svc.Invite(ctx, "rp2", biz.ID, orgs.Actor{Admin: true}, "administrator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RequestActivation(ctx, "rp2", e.accountOf(t, "sam").ID, "BN-2"); err != nil {
		t.Fatal(err)
	}
	letters, err := e.svc.Letters(ctx, "rp2")
	if err != nil || len(letters) != 1 {
		t.Fatalf("letters: %v %v", letters, err)
	}

	b, p, _ := e.attackerAtChallenge(e.rp("rp2"), "gckey", "alex")
	base := e.issuer + stepPath(t, p) + "/step/" + organization.Name
	csrf := csrfOf(t, p)
	for _, try := range []struct {
		what   string
		query  string
		fields url.Values
	}{
		{"join", "?do=join", url.Values{"code": {code}}},
		{"activate", "?do=activate", url.Values{"number": {"BN-2"}, "activation-code": {letters[0].Code}}},
		{"request", "?do=request", url.Values{"number": {"BN-2"}}},
		{"choose", "?do=choose&org=" + biz.ID, nil},
	} {
		try.fields = mergeCSRF(try.fields, csrf)
		got := b.Post(base+try.query, try.fields)
		noCode(t, got, try.what+" at the challenge")
		if !strings.Contains(got.Resp.Request.URL.Path, "/mfa/use/") {
			t.Errorf("%s: the organization step answered out of turn: %s", try.what, got.Resp.Request.URL)
		}
	}
	if g := b.Get(base); strings.Contains(g.Body, `name="code"`) && strings.Contains(g.Resp.Request.URL.Path, "/step/") {
		t.Errorf("the organization page showed before the factor")
	}
	o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID)
	if o.Role(victim.ID, "account_owner") != "" {
		t.Error("the victim joined the business")
	}
	for _, i := range o.Invitations {
		if i.ID == inv.ID && !i.Pending(e.clock.Now()) {
			t.Error("the invitation was spent")
		}
	}
	if o, _ := e.store.GetOrganization(ctx, "rp2", pending.ID); o.Owner != "" || o.Status != store.OrgPending || len(o.Letters) != 1 || o.Letters[0].RequestedBy == victim.ID {
		t.Errorf("the pending business changed: %+v", o)
	}
}

func mergeCSRF(v url.Values, csrf string) url.Values {
	if v == nil {
		v = url.Values{}
	}
	v.Set("csrf", csrf)
	return v
}

// TestAttackGuessingCodesLocks: after the second factor, guessed
// invitation codes count toward the account's failures like wrong
// second-factor codes: at the limit the account locks, and a right code
// then is refused.
func TestAttackGuessingCodesLocks(t *testing.T) {
	e := newOrgEnv(t, atipTable(), func(c *broker.Config) { c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = 3, 10 })
	ctx := t.Context()
	inst := e.create(t, "Department of Records", "", store.OrgActive)
	code, _, err := e.svc.Invite(ctx, "rp2", inst.ID, orgs.Actor{Admin: true}, "practitioner")
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	p, _ := e.atStep(t, b, "alex")
	for _, guess := range []string{"AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB"} {
		p = submit(t, b, p, "join", url.Values{"code": {guess}})
		if !strings.Contains(p.Body, "not recognized") {
			t.Fatalf("guess %s: %.500s", guess, p.Body)
		}
	}
	to, v, _ := p.Action("?do=join")
	v.Set("code", "CCCC-CCCC-CCCC-CCCC")
	locked := b.Post(to, v)
	if locked.Resp.StatusCode != http.StatusForbidden || !e.accountOf(t, "alex").Locked {
		t.Fatalf("the third guess did not lock the account: %d %s", locked.Resp.StatusCode, locked.Resp.Request.URL)
	}
	v.Set("code", code)
	noCode(t, b.Post(to, v), "the right code on a locked account")
	if o, _ := e.store.GetOrganization(ctx, "rp2", inst.ID); len(o.Members) != 0 {
		t.Errorf("a locked account joined: %+v", o.Members)
	}
}

// TestAttackEnumeratingBusinessNumbersLocks: asking for activation
// letters is no oracle for a client's business numbers: each unknown
// number counts on the failure counter like a guessed code, and a known
// one gives its attempt back without clearing the failures before it.
func TestAttackEnumeratingBusinessNumbersLocks(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader(), func(c *broker.Config) { c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = 3, 10 })
	e.create(t, "Acme Imports", "BN-9", store.OrgPending)
	b := e.browser()
	p, _ := e.atStep(t, b, "alex")
	p = submit(t, b, p, "request", url.Values{"number": {"BN-1"}})
	if !strings.Contains(p.Body, "No business awaiting activation") {
		t.Fatalf("unknown number: %.500s", p.Body)
	}
	p = submit(t, b, p, "request", url.Values{"number": {"BN-9"}})
	if strings.Contains(p.Body, "No business awaiting activation") {
		t.Fatalf("known number refused: %.500s", p.Body)
	}
	p = submit(t, b, p, "request", url.Values{"number": {"BN-2"}})
	if e.accountOf(t, "alex").Locked {
		t.Fatal("locked after two failures")
	}
	to, v, _ := p.Action("?do=request")
	v.Set("number", "BN-3")
	locked := b.Post(to, v)
	if locked.Resp.StatusCode != http.StatusForbidden || !e.accountOf(t, "alex").Locked {
		t.Fatalf("the third unknown number did not lock the account: %d %s", locked.Resp.StatusCode, locked.Resp.Request.URL)
	}
}

// TestAttackSecondOwnerByRace: two people holding the same activation
// letter enter it at the same moment; exactly one becomes the owner.
func TestAttackSecondOwnerByRace(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	biz := e.create(t, "Acme Imports", "BN-9", store.OrgPending)
	ba, bs := e.browser(), e.browser()
	pa, aa := e.atStep(t, ba, "alex")
	ps, as := e.atStep(t, bs, "sam")
	if _, err := e.svc.RequestActivation(ctx, "rp2", e.accountOf(t, "alex").ID, "BN-9"); err != nil {
		t.Fatal(err)
	}
	letters, _ := e.svc.Letters(ctx, "rp2")
	var wg sync.WaitGroup
	var got [2]page
	for i, x := range []struct {
		b *browser
		p page
	}{{ba, pa}, {bs, ps}} {
		to, v, ok := x.p.Action("?do=activate")
		if !ok {
			t.Fatal("no activation form")
		}
		v.Set("number", "BN-9")
		v.Set("activation-code", letters[0].Code)
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = x.b.Post(to, v)
		}()
	}
	wg.Wait()
	winners := 0
	for i, a := range []authorization{aa, as} {
		if strings.Contains(got[i].Resp.Header.Get("Location"), "code=") {
			winners++
			e.finish(t, got[i], a)
		} else if !strings.Contains(got[i].Body, "No business awaiting activation") && !strings.Contains(got[i].Body, "not recognized") {
			t.Errorf("the loser's page: %.500s", got[i].Body)
		}
	}
	o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID)
	if winners != 1 || o.Owner == "" || len(o.Members) != 0 {
		t.Errorf("%d winners; owner %q, members %v", winners, o.Owner, o.Members)
	}
}

// TestAttackSpentCodesAtTheStep: at the organization step, a code already
// used, one revoked and one expired are each refused with their own
// message, each counts as a failure, and none makes the person a member.
func TestAttackSpentCodesAtTheStep(t *testing.T) {
	e := newOrgEnv(t, atipTable())
	ctx := t.Context()
	inst := e.create(t, "Department of Records", "", store.OrgActive)
	invite := func() (string, store.Invitation) {
		code, inv, err := e.svc.Invite(ctx, "rp2", inst.ID, orgs.Actor{Admin: true}, "practitioner")
		if err != nil {
			t.Fatal(err)
		}
		return code, inv
	}
	used, _ := invite()
	sb := e.browser()
	p, a := e.atStep(t, sb, "sam")
	e.finish(t, submit(t, sb, p, "join", url.Values{"code": {used}}), a)
	revoked, inv := invite()
	if err := e.svc.Revoke(ctx, "rp2", inst.ID, orgs.Actor{Admin: true}, inv.ID); err != nil {
		t.Fatal(err)
	}
	expired, _ := invite()
	e.clock.Advance(orgs.DefaultInvitationTTL + time.Minute)

	b := e.browser()
	p, _ = e.atStep(t, b, "alex")
	for i, tc := range []struct{ code, message string }{
		{used, "This code has already been used"},
		{revoked, "This code was cancelled by the person who issued it"},
		{expired, "This code has expired"},
	} {
		p = submit(t, b, p, "join", url.Values{"code": {tc.code}})
		noCode(t, p, tc.message)
		if !strings.Contains(p.Body, tc.message) {
			t.Errorf("%s: %.600s", tc.message, p.Body)
		}
		if f := e.accountOf(t, "alex").Failures; f != i+1 {
			t.Errorf("after %q: %d failures, want %d", tc.message, f, i+1)
		}
	}
	if o, _ := e.store.GetOrganization(ctx, "rp2", inst.ID); len(o.Members) != 1 {
		t.Errorf("members: %+v", o.Members)
	}
}

// TestAttackRightCodeClearsNoFailure: a right invitation code proves
// nothing about the person, so it clears none of the failures before it.
// Guesses interleaved with one right code still lock the account at the
// limit, at the step (the last guess from a second browser already there)
// and on the account pages.
func TestAttackRightCodeClearsNoFailure(t *testing.T) {
	for _, where := range []string{"step", "account pages"} {
		t.Run(where, func(t *testing.T) {
			e := newOrgEnv(t, atipTable(), func(c *broker.Config) { c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = 3, 10 })
			inst := e.create(t, "Department of Records", "", store.OrgActive)
			code, _, err := e.svc.Invite(t.Context(), "rp2", inst.ID, orgs.Actor{Admin: true}, "practitioner")
			if err != nil {
				t.Fatal(err)
			}
			b, last := e.browser(), e.browser()
			lastPage, _ := e.atStep(t, last, "alex")
			p, _ := e.atStep(t, b, "alex")
			action := "?do=join"
			if where == "account pages" {
				action = "/account/organizations/join"
				b = e.browser()
				e.signIn(e.rp("rp1"), b, "gckey", "alex")
				p = e.openOrgs(t, b, "alex", "/account/organizations")
				last, lastPage = b, p
			}
			to, v, ok := p.Action(action)
			if !ok {
				t.Fatalf("no join form: %.600s", p.Body)
			}
			for _, guess := range []string{"AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB", code} {
				v.Set("code", guess)
				if got := b.Post(to, v); got.Resp.StatusCode == http.StatusForbidden || e.accountOf(t, "alex").Locked {
					t.Fatalf("%s locked the account before the limit", guess)
				}
			}
			to, v, _ = lastPage.Action(action)
			v.Set("code", "CCCC-CCCC-CCCC-CCCC")
			if got := last.Post(to, v); got.Resp.StatusCode != http.StatusForbidden || !e.accountOf(t, "alex").Locked {
				t.Errorf("the third guess, after a right code, did not lock the account: %d %s", got.Resp.StatusCode, got.Resp.Request.URL)
			}
		})
	}
}

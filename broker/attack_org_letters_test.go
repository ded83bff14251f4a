package broker_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// TestAttackSquatterCannotVoidTheOwnersLetter: a signed-in stranger who
// knows a business number asks for its activation letter again and again,
// every few weeks, to keep the real business out. The letters go to the
// business's address, never to the stranger; no request voids a letter
// mailed before, at most store.MaxOrgLetters are under way, and the
// business's own request is answered like any other (nothing tells it
// apart, nothing counts as a failure). The owner enters the letter
// mailed 40 days before and becomes the owner.
func TestAttackSquatterCannotVoidTheOwnersLetter(t *testing.T) {
	e := newOrgEnv(t, orgs.TrustedTrader())
	ctx := t.Context()
	biz := e.create(t, "Acme Imports", "123456789RM0001", store.OrgPending)
	// squat asks for a letter at the step as the stranger, and the
	// operator exports the day's letters: the codes the business gets.
	squat := func() []string {
		t.Helper()
		b := e.browser()
		p, _ := e.atStep(t, b, "sam")
		p = submit(t, b, p, "request", url.Values{"number": {"123456789RM0001"}})
		if !strings.Contains(p.Body, "Your request is recorded") {
			t.Fatalf("the stranger's request: %.500s", p.Body)
		}
		letters, err := e.svc.Letters(ctx, "rp2")
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, l := range letters {
			codes = append(codes, l.Code)
		}
		return codes
	}
	mailed := squat()
	if len(mailed) != 1 {
		t.Fatalf("letters: %v", mailed)
	}
	for range 3 {
		e.clock.Advance(13 * 24 * time.Hour)
		squat()
	}
	o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID)
	if len(o.Letters) != store.MaxOrgLetters {
		t.Errorf("%d letters under way, want the bound %d", len(o.Letters), store.MaxOrgLetters)
	}

	// Day 39: the business asks too; the same answer, no failure.
	b := e.browser()
	p, a := e.atStep(t, b, "alex")
	p = submit(t, b, p, "request", url.Values{"number": {"123456789RM0001"}})
	if !strings.Contains(p.Body, "Your request is recorded") || e.accountOf(t, "alex").Failures != 0 {
		t.Fatalf("the business's own request: %.500s", p.Body)
	}
	e.clock.Advance(24 * time.Hour)
	p, a = e.atStep(t, b, "alex")
	got := submit(t, b, p, "activate", url.Values{"number": {"123456789RM0001"}, "activation-code": {mailed[0]}})
	e.finish(t, got, a)
	if o, _ := e.store.GetOrganization(ctx, "rp2", biz.ID); o.Owner != e.accountOf(t, "alex").ID || o.Status != store.OrgActive {
		t.Errorf("after the owner's code: owner %q, status %s", o.Owner, o.Status)
	}
}

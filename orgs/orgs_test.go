package orgs_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

func TestConfigValidListsNothing(t *testing.T) {
	var ps validate.Problems
	orgs.TrustedTrader().Validate(&ps, "clients[0].organizations")
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigListsEveryProblemWithItsPath(t *testing.T) {
	c := orgs.TrustedTrader()
	c.Roles[1].ID = "Bad Role"
	c.Roles[2].Name = map[string]string{"en": "x"}
	c.Roles[3].Invite = []string{"ghost", "account_owner"}
	c.Roles[3].Manage = []string{"account_owner"}
	c.AfterTransfer = "account_owner"
	c.InvitationTTL = time.Minute
	c.Claims.Roles = "sub"
	c.Activation, c.RegisterFile = false, "/etc/passerelle/register.csv"
	var ps validate.Problems
	c.Validate(&ps, "clients[0].organizations")
	got := ""
	for _, p := range ps.List() {
		got += p.Path + "\n"
	}
	for _, want := range []string{
		"clients[0].organizations.roles[1].id", "clients[0].organizations.roles[2].name.fr",
		"clients[0].organizations.roles[3].invite[0]", "clients[0].organizations.roles[3].invite[1]",
		"clients[0].organizations.roles[3].manage[0]", "clients[0].organizations.after_transfer",
		"clients[0].organizations.invitation_ttl", "clients[0].organizations.claims.roles",
		"clients[0].organizations.register",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("no problem at %s; got:\n%s", want, got)
		}
	}
}

func TestInvitationSingleUseExpiringRevocable(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	o := f.active(t, "owner")
	code, inv, err := f.svc.Invite(ctx, "pip", o.ID, as("owner"), "full_access")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.st.GetOrganization(ctx, "pip", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(stored)
	if len(inv.Hash) == 0 || strings.Contains(string(raw), strings.ReplaceAll(code, "-", "")) || strings.Contains(string(raw), code) {
		t.Fatalf("the code must be kept hashed only: %s", raw)
	}
	// Typed loosely: lower case, spaces instead of dashes.
	got, err := f.svc.Redeem(ctx, "pip", "alice", strings.ToLower(strings.ReplaceAll(code, "-", " ")))
	if err != nil {
		t.Fatal(err)
	}
	if got.Role("alice", "account_owner") != "full_access" {
		t.Fatalf("alice's role: %q", got.Role("alice", "account_owner"))
	}
	for _, tc := range []struct {
		name, client, account, code string
		want                        error
	}{
		{"reused", "pip", "bob", code, orgs.ErrCodeUsed},
		{"guessed", "pip", "bob", "ABCD-EFGH-JKMN-PQRS", orgs.ErrCodeUnknown},
		{"garbage", "pip", "bob", "hello", orgs.ErrCodeUnknown},
		{"another client", "atip", "bob", code, orgs.ErrNoOrganizations},
	} {
		if _, err := f.svc.Redeem(ctx, tc.client, tc.account, tc.code); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	revoked, rinv, _ := f.svc.Invite(ctx, "pip", o.ID, as("owner"), "administrator")
	if err := f.svc.Revoke(ctx, "pip", o.ID, as("alice"), rinv.ID); !errors.Is(err, orgs.ErrNotAllowed) {
		t.Errorf("revoke by a full-access user: %v", err)
	}
	if err := f.svc.Revoke(ctx, "pip", o.ID, as("owner"), rinv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Redeem(ctx, "pip", "bob", revoked); !errors.Is(err, orgs.ErrCodeRevoked) {
		t.Errorf("revoked: %v", err)
	}
	late, _, _ := f.svc.Invite(ctx, "pip", o.ID, as("owner"), "administrator")
	f.clock.Advance(orgs.DefaultInvitationTTL)
	if _, err := f.svc.Redeem(ctx, "pip", "bob", late); !errors.Is(err, orgs.ErrCodeExpired) {
		t.Errorf("expired: %v", err)
	}
	for _, want := range []string{"org.join/failure/used", "org.join/failure/unknown", "org.join/failure/revoked", "org.join/failure/expired", "org.join/success/"} {
		if !slices.Contains(f.events, want) {
			t.Errorf("no audit event %s in %v", want, f.events)
		}
	}
}

func TestRoleTable(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	o := f.active(t, "owner")
	join := func(who, role string) {
		code, _, err := f.svc.Invite(ctx, "pip", o.ID, as("owner"), role)
		if err == nil {
			_, err = f.svc.Redeem(ctx, "pip", who, code)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	join("del", "delegated_owner")
	join("adm", "administrator")
	join("user", "full_access")
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"administrator invites a delegated owner", func() error {
			_, _, err := f.svc.Invite(ctx, "pip", o.ID, as("adm"), "delegated_owner")
			return err
		}, orgs.ErrNotAllowed},
		{"anyone invites an owner", func() error {
			_, _, err := f.svc.Invite(ctx, "pip", o.ID, as("owner"), "account_owner")
			return err
		}, orgs.ErrNotAllowed},
		{"full-access user invites", func() error {
			_, _, err := f.svc.Invite(ctx, "pip", o.ID, as("user"), "full_access")
			return err
		}, orgs.ErrNotAllowed},
		{"stranger invites", func() error {
			_, _, err := f.svc.Invite(ctx, "pip", o.ID, as("stranger"), "full_access")
			return err
		}, orgs.ErrNotMember},
		{"administrator removes the delegated owner", func() error { return f.svc.Remove(ctx, "pip", o.ID, as("adm"), "del") }, orgs.ErrNotAllowed},
		{"delegated owner removes the owner", func() error { return f.svc.Remove(ctx, "pip", o.ID, as("del"), "owner") }, orgs.ErrOwnerStays},
		{"administrator makes a user delegated owner", func() error {
			return f.svc.ChangeRole(ctx, "pip", o.ID, as("adm"), "user", "delegated_owner")
		}, orgs.ErrNotAllowed},
		{"owner makes a user owner", func() error { return f.svc.ChangeRole(ctx, "pip", o.ID, as("owner"), "user", "account_owner") }, orgs.ErrNotAllowed},
		{"unknown role", func() error { return f.svc.ChangeRole(ctx, "pip", o.ID, as("owner"), "user", "king") }, orgs.ErrBadRole},
		{"owner leaves", func() error { return f.svc.Leave(ctx, "pip", o.ID, as("owner")) }, orgs.ErrOwnerStays},
		{"administrator promotes a user", func() error { return f.svc.ChangeRole(ctx, "pip", o.ID, as("adm"), "user", "administrator") }, nil},
		{"delegated owner removes the promoted user", func() error { return f.svc.Remove(ctx, "pip", o.ID, as("del"), "user") }, nil},
		{"administrator leaves", func() error { return f.svc.Leave(ctx, "pip", o.ID, as("adm")) }, nil},
	} {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	got, err := f.st.GetOrganization(ctx, "pip", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if accts := got.MemberAccounts(); !slices.Equal(accts, []string{"owner", "del"}) {
		t.Errorf("members at the end: %v", accts)
	}
}

func TestTransferNeedsTheNewOwnersConfirmation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.account(t, "owner")
	bob := f.account(t, "bob")
	o := f.active(t, "owner")
	code, _, _ := f.svc.Invite(ctx, "pip", o.ID, as("owner"), "full_access")
	if _, err := f.svc.Redeem(ctx, "pip", "bob", code); err != nil {
		t.Fatal(err)
	}
	named := orgs.Person{FamilyName: strings.ToUpper(bob.FamilyName), URN: bob.URN, Email: bob.Email}
	wrong := named
	wrong.Email = "someone@else.ca"
	if _, err := f.svc.OfferTransfer(ctx, "pip", o.ID, as("owner"), wrong); !errors.Is(err, orgs.ErrNotMember) {
		t.Errorf("offer to a mismatched person: %v", err)
	}
	if _, err := f.svc.OfferTransfer(ctx, "pip", o.ID, as("bob"), named); !errors.Is(err, orgs.ErrNotAllowed) {
		t.Errorf("offer by a non-owner: %v", err)
	}
	if _, err := f.svc.OfferTransfer(ctx, "pip", o.ID, as("owner"), named); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AcceptTransfer(ctx, "pip", o.ID, as("owner")); !errors.Is(err, orgs.ErrNoTransfer) {
		t.Errorf("accepted by the offerer: %v", err)
	}
	still, _ := f.st.GetOrganization(ctx, "pip", o.ID)
	if still.Owner != "owner" {
		t.Fatal("ownership passed before the confirmation")
	}
	if err := f.svc.AcceptTransfer(ctx, "pip", o.ID, as("bob")); err != nil {
		t.Fatal(err)
	}
	got, _ := f.st.GetOrganization(ctx, "pip", o.ID)
	if got.Owner != "bob" || got.Role("owner", "account_owner") != "delegated_owner" || got.Transfer != nil {
		t.Errorf("after the transfer: owner %q, old owner's role %q", got.Owner, got.Role("owner", "account_owner"))
	}
}

// TestActivationByMail: letters asked for by anyone coexist, each valid
// activation_ttl from its export, at most store.MaxOrgLetters under way;
// a later request voids none, and any live letter activates.
func TestActivationByMail(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	o, err := f.svc.Create(ctx, "pip", map[string]string{"en": "Acme", "fr": "Acme"}, "BN123", store.OrgPending)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RequestActivation(ctx, "pip", "trader", "BN999"); !errors.Is(err, orgs.ErrNumberUnknown) {
		t.Errorf("unknown number: %v", err)
	}
	// ask asks as who, exports and returns the codes mailed.
	ask := func(who string) []string {
		t.Helper()
		f.request(t, who, "BN123")
		var codes []string
		for _, l := range f.export(t) {
			if l.Number != "BN123" || !l.ExpiresAt.Equal(f.clock.Now().Add(orgs.DefaultActivationTTL)) {
				t.Errorf("letter: %+v", l)
			}
			codes = append(codes, l.Code)
		}
		return codes
	}
	first := ask("trader")
	if len(first) != 1 {
		t.Fatalf("first letters: %v", first)
	}
	if again := f.export(t); len(again) != 0 {
		t.Errorf("a letter issued twice: %+v", again)
	}
	f.clock.Advance(10 * 24 * time.Hour)
	second := ask("stranger")
	f.clock.Advance(10 * 24 * time.Hour)
	third := ask("stranger")
	f.clock.Advance(10 * 24 * time.Hour)
	if len(second) != 1 || len(third) != 1 {
		t.Fatalf("letters: %v %v", second, third)
	}
	if more := ask("stranger"); len(more) != 0 {
		t.Errorf("a fourth letter while %d are under way: %v", store.MaxOrgLetters, more)
	}
	f.clock.Advance(15 * 24 * time.Hour) // the first letter's 45 days are over
	if _, err := f.svc.Activate(ctx, "pip", "trader", "BN123", first[0]); !errors.Is(err, orgs.ErrCodeExpired) {
		t.Errorf("after 45 days: %v", err)
	}
	if fourth := ask("stranger"); len(fourth) != 1 {
		t.Errorf("no new letter once one expired: %v", fourth)
	}
	got, err := f.svc.Activate(ctx, "pip", "trader", "BN123", second[0])
	if err != nil {
		t.Fatalf("the second letter, 35 days old, after the stranger's requests: %v", err)
	}
	if got.ID != o.ID || got.Owner != "trader" || got.Status != store.OrgActive || got.Letters != nil {
		t.Errorf("activated: %+v", got)
	}
	if _, err := f.svc.Activate(ctx, "pip", "other", "BN123", third[0]); !errors.Is(err, orgs.ErrNumberUnknown) {
		t.Errorf("a second activation: %v", err)
	}
}

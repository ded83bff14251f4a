package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// newOrgFixture is the admin API over a real bbolt file with two
// configured clients: "pip" with the trusted-trader table and "other"
// with the same table (so one client's organizations can be asked of the
// other).
func newOrgFixture(t *testing.T) *fixture {
	t.Helper()
	now := func() time.Time { return epoch }
	st, err := bolt.Open(filepath.Join(t.TempDir(), "passerelle.db"), bolt.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	table := func() *orgs.Config {
		c := &orgs.Config{Owner: "owner", AfterTransfer: "delegate", Activation: true, Roles: []orgs.Role{
			{ID: "owner", Name: map[string]string{"en": "Owner", "fr": "Propriétaire"}, Invite: []string{"delegate", "user"}, Manage: []string{"delegate", "user"}},
			{ID: "delegate", Name: map[string]string{"en": "Delegate", "fr": "Mandataire"}, Invite: []string{"user"}, Manage: []string{"user"}},
			{ID: "user", Name: map[string]string{"en": "User", "fr": "Utilisateur"}},
		}}
		c.SetDefaults()
		return c
	}
	var cs []broker.ClientConfig
	for _, id := range []string{"pip", "other"} {
		cs = append(cs, broker.ClientConfig{Client: store.Client{ID: id, Name: map[string]string{"en": id, "fr": id},
			RedirectURIs: []string{"https://" + id + ".example/cb"}, Organizations: table()}})
	}
	svc := admin.New(st, nil, mfa.LockoutConfig{}, testRules(), cs, now)
	srv := httptest.NewServer(svc.Handler(testToken))
	t.Cleanup(srv.Close)
	f := &fixture{t: t, st: st, svc: svc, srv: srv}
	for i, urn := range []string{"1111-1111-1111", "2222-2222-2222", "3333-3333-3333"} {
		id := fmt.Sprintf("acct-%d", i+1)
		if err := st.CreateAccount(t.Context(), store.Account{ID: id, URN: urn, CreatedAt: epoch},
			store.Link{Provider: "gckey", Subject: id}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// TestAdminOrganizations: an administrator creates a business, makes its
// owner, invites (the code shown once), changes roles, transfers
// ownership and removes members through the API; the rules refuse a
// second owner, removing the owner and an unknown role with clear
// answers, and another client's path does not reach the business.
func TestAdminOrganizations(t *testing.T) {
	f := newOrgFixture(t)
	res := f.call(http.MethodPost, "/admin/clients/pip/orgs", `{"names": {"en": "Acme", "fr": "Acme"}, "external_number": "BN-1"}`)
	f.expect(res, http.StatusCreated)
	var created struct{ Organization admin.OrgView }
	res.json(t, &created)
	org := "/admin/clients/pip/orgs/" + created.Organization.ID
	f.expect(f.call(http.MethodPost, "/admin/clients/pip/orgs", `{"names": {"en": "Dup", "fr": "Dup"}, "external_number": "BN-1"}`), http.StatusConflict)
	f.expect(f.call(http.MethodPost, "/admin/clients/pip/orgs", `{"names": {"en": "No French"}}`), http.StatusBadRequest)

	f.expect(f.call(http.MethodPost, org+"/members", `{"urn": "1111-1111-1111", "role": "owner"}`), http.StatusOK)
	res = f.call(http.MethodPost, org+"/members", `{"urn": "2222-2222-2222", "role": "owner"}`)
	f.expect(res, http.StatusConflict) // a second owner
	f.expect(f.call(http.MethodPost, org+"/members", `{"urn": "2222-2222-2222", "role": "user"}`), http.StatusOK)
	f.expect(f.call(http.MethodPost, org+"/members", `{"urn": "3333-3333-3333", "role": "king"}`), http.StatusBadRequest)
	f.expect(f.call(http.MethodPut, org+"/members/2222-2222-2222", `{"role": "delegate"}`), http.StatusOK)
	f.expect(f.call(http.MethodDelete, org+"/members/1111-1111-1111", ""), http.StatusConflict) // the owner

	res = f.call(http.MethodPost, org+"/invitations", `{"role": "user"}`)
	f.expect(res, http.StatusCreated)
	var inv struct {
		Code       string
		Invitation admin.InvitationView
	}
	res.json(t, &inv)
	if len(strings.ReplaceAll(inv.Code, "-", "")) != 16 {
		t.Fatalf("invitation code %q", inv.Code)
	}
	res = f.call(http.MethodGet, org, "")
	f.expect(res, http.StatusOK)
	if strings.Contains(res.raw, inv.Code) || !strings.Contains(res.raw, inv.Invitation.ID) {
		t.Errorf("the organization's view: %s", res.raw)
	}
	f.expect(f.call(http.MethodDelete, org+"/invitations/"+inv.Invitation.ID, ""), http.StatusNoContent)
	f.expect(f.call(http.MethodDelete, org+"/invitations/"+inv.Invitation.ID, ""), http.StatusNotFound)

	f.expect(f.call(http.MethodPost, org+"/owner", `{"urn": "2222-2222-2222"}`), http.StatusOK)
	res = f.call(http.MethodGet, org, "")
	var got struct{ Organization admin.OrgView }
	res.json(t, &got)
	if got.Organization.Owner != "2222-2222-2222" || len(got.Organization.Members) != 1 ||
		got.Organization.Members[0].URN != "1111-1111-1111" || got.Organization.Members[0].Role != "delegate" {
		t.Errorf("after the transfer: %s", res.raw)
	}
	f.expect(f.call(http.MethodDelete, org+"/members/1111-1111-1111", ""), http.StatusOK)
	f.expect(f.call(http.MethodPut, org+"/status", `{"status": "pending"}`), http.StatusBadRequest)
	res = f.call(http.MethodPut, org+"/status", `{"status": "suspended"}`)
	f.expect(res, http.StatusOK)
	if !strings.Contains(res.raw, `"status": "suspended"`) {
		t.Errorf("after suspending: %s", res.raw)
	}

	// Another client's path reaches nothing of pip's.
	f.expect(f.call(http.MethodGet, "/admin/clients/other/orgs/"+created.Organization.ID, ""), http.StatusNotFound)
	res = f.call(http.MethodGet, "/admin/clients/other/orgs", "")
	f.expect(res, http.StatusOK)
	if strings.Contains(res.raw, created.Organization.ID) {
		t.Errorf("another client lists pip's organization: %s", res.raw)
	}
	f.expect(f.call(http.MethodGet, "/admin/clients/nobody/orgs", ""), http.StatusNotFound)
	if n := len(f.auditedKinds("admin.org.")); n < 8 {
		t.Errorf("%d organization changes audited", n)
	}
}

// TestAdminLetters: a business awaiting activation, a code asked for; the
// operator's export makes the letter once, with the code in clear.
func TestAdminLetters(t *testing.T) {
	f := newOrgFixture(t)
	res := f.call(http.MethodPost, "/admin/clients/pip/orgs", `{"names": {"en": "Acme", "fr": "Acme"}, "external_number": "BN-7", "status": "pending"}`)
	f.expect(res, http.StatusCreated)
	rules := orgs.New(f.st, func(string) (*orgs.Config, bool) {
		c := &orgs.Config{Owner: "owner", Activation: true, Roles: []orgs.Role{{ID: "owner"}}}
		c.SetDefaults()
		return c, true
	}, func() time.Time { return epoch }, func(_ context.Context, _, _, _, _ string, _ map[string]string) {})
	if _, err := rules.RequestActivation(t.Context(), "pip", "acct-1", "BN-7"); err != nil {
		t.Fatal(err)
	}
	res = f.call(http.MethodPost, "/admin/clients/pip/letters", "")
	f.expect(res, http.StatusOK)
	var out struct{ Letters []map[string]any }
	res.json(t, &out)
	if len(out.Letters) != 1 || out.Letters[0]["external_number"] != "BN-7" || out.Letters[0]["code"] == "" {
		t.Fatalf("letters: %s", res.raw)
	}
	out0Code, _ := out.Letters[0]["code"].(string)
	res = f.call(http.MethodPost, "/admin/clients/pip/letters", "")
	res.json(t, &out)
	if len(out.Letters) != 0 {
		t.Errorf("a letter exported twice: %s", res.raw)
	}

	// The business reports the letter stolen: the administrator voids it.
	var org struct{ Organizations []struct{ ID string } }
	f.call(http.MethodGet, "/admin/clients/pip/orgs", "").json(t, &org)
	res = f.call(http.MethodDelete, "/admin/clients/pip/orgs/"+org.Organizations[0].ID+"/letters", "")
	f.expect(res, http.StatusOK)
	var voided struct{ Voided int }
	if res.json(t, &voided); voided.Voided != 1 {
		t.Errorf("void: %s", res.raw)
	}
	if _, err := rules.Activate(t.Context(), "pip", "thief", "BN-7", out0Code); !errors.Is(err, orgs.ErrCodeUnknown) {
		t.Errorf("the voided letter's code: %v", err)
	}
	if ev := f.auditedKinds("admin.org.activation.void"); len(ev) != 1 {
		t.Errorf("void audited %d times", len(ev))
	}
	f.expect(f.call(http.MethodDelete, "/admin/clients/pip/orgs/nope/letters", ""), http.StatusNotFound)
}

// auditedKinds returns the audit events whose kind starts with prefix.
func (f *fixture) auditedKinds(prefix string) []store.AuditEvent {
	f.t.Helper()
	events, err := f.st.ListAudit(f.t.Context(), time.Time{}, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, e := range events {
		if strings.HasPrefix(e.Kind, prefix) && e.Actor == admin.Actor {
			out = append(out, e)
		}
	}
	return out
}

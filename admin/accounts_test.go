package admin_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/store"
)

func TestAccountView(t *testing.T) {
	f := newFixture(t)
	f.seedAccount()
	res := f.call(http.MethodGet, "/admin/accounts/"+testURN, "")
	f.expect(res, http.StatusOK)
	var v admin.AccountView
	res.json(t, &v)
	if v.URN != testURN || v.Locked || v.Failures != 3 || len(v.Links) != 2 || len(v.Factors) != 2 {
		t.Fatalf("view: %s", res.raw)
	}
	if v.Factors[0].Kind != store.FactorTOTP || v.Factors[0].Name != "phone" || v.Factors[1].CodesLeft != 1 {
		t.Errorf("factors: %+v", v.Factors)
	}
	for _, private := range []string{"jeanne", "Jeanne", "upstream-sub", "sealed", "acct-1"} {
		if strings.Contains(res.raw, private) {
			t.Errorf("the view shows %q: %s", private, res.raw)
		}
	}
}

func TestLockUnlockRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.seedAccount()

	res := f.call(http.MethodPost, "/admin/accounts/"+testURN+"/lock", "")
	f.expect(res, http.StatusOK)
	var v admin.AccountView
	res.json(t, &v)
	if !v.Locked {
		t.Fatalf("after lock: %s", res.raw)
	}
	if _, err := f.st.GetSession(ctx, store.HashToken("cookie")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after lock: %v", err)
	}
	if g, err := f.st.GetGrant(ctx, "grant-1"); err != nil || !g.Revoked {
		t.Errorf("grant after lock: revoked %v, %v", g.Revoked, err)
	}
	if ev := f.audited("admin.account.lock"); len(ev) != 1 || ev[0].AccountID != a.ID ||
		ev[0].Detail["sessions"] != "1" || ev[0].Detail["grants"] != "1" {
		t.Errorf("lock audit: %+v", ev)
	}

	res = f.call(http.MethodPost, "/admin/accounts/"+testURN+"/unlock", "")
	f.expect(res, http.StatusOK)
	v = admin.AccountView{}
	res.json(t, &v)
	if v.Locked || v.Failures != 0 || !v.LastFailureAt.IsZero() {
		t.Errorf("after unlock: %s", res.raw)
	}
	if ev := f.audited("admin.account.unlock"); len(ev) != 1 || ev[0].AccountID != a.ID {
		t.Errorf("unlock audit: %+v", ev)
	}
}

func TestResetMFA(t *testing.T) {
	f := newFixture(t)
	a := f.seedAccount()
	res := f.call(http.MethodPost, "/admin/accounts/"+testURN+"/reset-mfa", "")
	f.expect(res, http.StatusOK)
	var body struct{ Removed int }
	res.json(t, &body)
	if body.Removed != 2 {
		t.Errorf("removed %d, want 2", body.Removed)
	}
	if left, err := f.st.ListFactors(context.Background(), a.ID); err != nil || len(left) != 0 {
		t.Errorf("factors left: %v, %v", left, err)
	}
	if ev := f.audited("admin.account.reset_mfa"); len(ev) != 1 || ev[0].AccountID != a.ID || ev[0].Detail["removed"] != "2" {
		t.Errorf("audit: %+v", ev)
	}
}

func TestUnlinkNeverTheLastCredential(t *testing.T) {
	f := newFixture(t)
	a := f.seedAccount()
	ctx := context.Background()

	f.expect(f.call(http.MethodDelete, "/admin/accounts/"+testURN+"/links/nowhere", ""), http.StatusNotFound)
	f.expect(f.call(http.MethodDelete, "/admin/accounts/"+testURN+"/links/bank", ""), http.StatusNoContent)
	if _, err := f.st.GetLink(ctx, "bank", "upstream-sub-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bank link after unlink: %v", err)
	}
	res := f.call(http.MethodDelete, "/admin/accounts/"+testURN+"/links/gckey", "")
	f.expect(res, http.StatusConflict)
	if msg := res.errorMessage(t); !strings.Contains(msg, "last credential") {
		t.Errorf("message %q", msg)
	}
	if links, _ := f.st.ListLinks(ctx, a.ID); len(links) != 1 {
		t.Errorf("links left: %+v", links)
	}
	if ev := f.audited("admin.account.unlink"); len(ev) != 1 || ev[0].AccountID != a.ID || ev[0].Detail["provider"] != "bank" {
		t.Errorf("audit: %+v", ev)
	}
}

func TestUnknownAccount(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, ""}, {http.MethodPost, "/lock"}, {http.MethodPost, "/unlock"},
		{http.MethodPost, "/reset-mfa"}, {http.MethodDelete, "/links/gckey"},
	} {
		res := f.call(c.method, "/admin/accounts/9999-9999-9999"+c.path, "")
		f.expect(res, http.StatusNotFound)
		if msg := res.errorMessage(t); !strings.Contains(msg, "9999-9999-9999") {
			t.Errorf("%s %s: message %q", c.method, c.path, msg)
		}
	}
	if events, _ := f.st.ListAudit(context.Background(), epoch.AddDate(-1, 0, 0), 0); len(events) != 0 {
		t.Errorf("failed actions were audited: %+v", events)
	}
}

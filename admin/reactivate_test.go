package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/store"
)

// TestReactivateDormantAccount: the API reactivates a dormant account
// once (409 for one that is not dormant), audits it, and the view shows
// when.
func TestReactivateDormantAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.seedAccount()

	res := f.call(http.MethodPost, "/admin/accounts/"+testURN+"/reactivate", "")
	f.expect(res, http.StatusConflict)

	if err := f.st.UpdateAccount(ctx, a.ID, func(a store.Account) (store.Account, error) {
		a.DormantSince = epoch
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	res = f.call(http.MethodGet, "/admin/accounts/"+testURN, "")
	var v admin.AccountView
	res.json(t, &v)
	if !v.DormantSince.Equal(epoch) {
		t.Fatalf("view of a dormant account: %s", res.raw)
	}
	res = f.call(http.MethodPost, "/admin/accounts/"+testURN+"/reactivate", "")
	f.expect(res, http.StatusOK)
	v = admin.AccountView{}
	res.json(t, &v)
	if !v.DormantSince.IsZero() || v.ReactivatedAt.IsZero() {
		t.Errorf("after reactivate: %s", res.raw)
	}
	if ev := f.audited("admin.account.reactivate"); len(ev) != 1 || ev[0].AccountID != a.ID {
		t.Errorf("reactivate audit: %+v", ev)
	}
	f.expect(f.call(http.MethodPost, "/admin/accounts/0000-0000-0000/reactivate", ""), http.StatusNotFound)
}

package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testGetAuthRequestWithAccount: an auth request with the account it
// names and that account's factors, oldest first; a request naming no
// account comes alone; one naming a missing account is ErrNotFound with
// the request; a missing or expired request is ErrNotFound with nothing;
// and the updates of the second-factor answer after the read (the
// account and factor's, then the request's) see what was written since.
func testGetAuthRequestWithAccount(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	for _, id := range []string{"acct-1", "acct-10"} {
		must(t, s.CreateAccount(ctx, account(id), link("gckey", id, id)), "CreateAccount "+id)
	}
	fb := factor("f-b", "acct-1", store.FactorRecovery, epoch.Add(time.Hour))
	fa := factor("f-a", "acct-1", store.FactorTOTP, epoch)
	other := factor("f-0", "acct-10", store.FactorTOTP, epoch)
	for _, f := range []store.Factor{fb, other, fa} {
		must(t, s.CreateFactor(ctx, f), "CreateFactor "+f.ID)
	}
	named := authRequest("ar-1", 10*time.Minute)
	named.AccountID = "acct-1"
	anonymous := authRequest("ar-2", 10*time.Minute)
	orphan := authRequest("ar-3", 10*time.Minute)
	orphan.AccountID = "acct-9"
	for _, r := range []store.AuthRequest{named, anonymous, orphan} {
		must(t, s.CreateAuthRequest(ctx, r), "CreateAuthRequest "+r.ID)
	}

	ar, a, fs, err := s.GetAuthRequestWithAccount(ctx, "ar-1")
	must(t, err, "GetAuthRequestWithAccount")
	same(t, ar, named, "the request")
	same(t, a, account("acct-1"), "the request's account")
	same(t, fs, []store.Factor{fa, fb}, "the account's factors (oldest first)")

	ar, a, fs, err = s.GetAuthRequestWithAccount(ctx, "ar-2")
	must(t, err, "GetAuthRequestWithAccount of a request naming no account")
	same(t, ar, anonymous, "the request naming no account")
	if a.ID != "" || len(fs) != 0 {
		t.Errorf("a request naming no account came with account %q and %d factors", a.ID, len(fs))
	}

	ar, _, fs, err = s.GetAuthRequestWithAccount(ctx, "ar-3")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of a request naming a missing account")
	same(t, ar, orphan, "the request naming a missing account")
	if len(fs) != 0 {
		t.Errorf("a missing account came with %d factors", len(fs))
	}

	ar, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-9")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of a missing request")
	if ar.ID != "" {
		t.Errorf("a missing request came back as %q", ar.ID)
	}

	// The answer's updates after the read see the writes made since.
	_, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-1")
	must(t, err, "GetAuthRequestWithAccount before the updates")
	must(t, s.UpdateFactor(ctx, "f-a", func(f store.Factor) (store.Factor, error) {
		f.LastStep = 7
		return f, nil
	}), "UpdateFactor since the read")
	must(t, s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.State = "written since"
		return r, nil
	}), "UpdateAuthRequest since the read")
	must(t, s.UpdateAccountFactor(ctx, "acct-1", "f-a", func(x store.Account, f store.Factor) (store.Account, store.Factor, error) {
		if f.LastStep != 7 {
			t.Errorf("UpdateAccountFactor after the read saw step %d, want the 7 written since", f.LastStep)
		}
		f.LastStep++
		return x, f, nil
	}), "UpdateAccountFactor after the read")
	must(t, s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
		if r.State != "written since" {
			t.Errorf("UpdateAuthRequest after the read saw state %q, want the one written since", r.State)
		}
		r.Done = true
		return r, nil
	}), "UpdateAuthRequest after the read")

	clk.Advance(10*time.Minute + time.Second)
	_, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-1")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of an expired request")
}

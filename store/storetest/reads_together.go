package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// Reads that go together: an account with its factors, reached by one
// of its links or by an auth request naming it.

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

	bare := authRequest("ar-4", 10*time.Minute)
	bare.AccountID = "acct-10"
	must(t, s.DeleteFactor(ctx, "f-0"), "DeleteFactor f-0")
	must(t, s.CreateAuthRequest(ctx, bare), "CreateAuthRequest ar-4")
	_, a, fs, err = s.GetAuthRequestWithAccount(ctx, "ar-4")
	must(t, err, "GetAuthRequestWithAccount of an account without factors")
	same(t, a, account("acct-10"), "the account without factors")
	if len(fs) != 0 {
		t.Errorf("an account without factors came with %+v", fs)
	}

	ar, a, fs, err = s.GetAuthRequestWithAccount(ctx, "ar-3")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of a request naming a missing account")
	same(t, ar, orphan, "the request naming a missing account")
	if a.ID != "" || len(fs) != 0 {
		t.Errorf("a missing account came back as %q with %d factors", a.ID, len(fs))
	}

	ar, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-9")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of a missing request")
	if ar.ID != "" {
		t.Errorf("a missing request came back as %q", ar.ID)
	}

	// The answer's updates after the read see the writes made since (on
	// one store; store/postgres's TestAccountFactorAfterRead has another
	// replica write them, past the rows the read remembered).
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

	// A request read, then expired before the update that follows, is
	// missing to that update.
	_, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-2")
	must(t, err, "GetAuthRequestWithAccount before the expiry")
	clk.Advance(10*time.Minute + time.Second)
	_, _, _, err = s.GetAuthRequestWithAccount(ctx, "ar-1")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequestWithAccount of an expired request")
	wantErr(t, s.UpdateAuthRequest(ctx, "ar-2", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Done = true
		return r, nil
	}), store.ErrNotFound, "UpdateAuthRequest of a request expired since it was read")
}

// testGetLinkWithAccount: a link with its account and the account's own
// factors, oldest first with ties by ID (none of an account whose ID
// extends it), whichever of the account's links; none for an account
// without any; ErrNotFound with nothing for a missing link (a link's
// account cannot go missing through the store's methods: no account is
// deleted); and the next read after an UpdateAccountFactor, as the
// second-factor answer makes, returns what it wrote (store/postgres's
// TestAccountFactorAfterRead has another replica write between the read
// and the update).
func testGetLinkWithAccount(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	for _, id := range []string{"acct-1", "acct-10", "acct-3"} {
		must(t, s.CreateAccount(ctx, account(id), link("gckey", id, id)), "CreateAccount "+id)
	}
	second := link("bank", "b-1", "acct-1")
	must(t, s.CreateLink(ctx, second), "CreateLink")
	fc := factor("f-c", "acct-1", store.FactorRecovery, epoch.Add(2*time.Hour))
	fz := factor("f-z", "acct-1", store.FactorTOTP, epoch)
	fa := factor("f-a", "acct-1", store.FactorEmail, epoch)
	other := factor("f-0", "acct-10", store.FactorTOTP, epoch.Add(-time.Hour))
	for _, f := range []store.Factor{fc, other, fz, fa} {
		must(t, s.CreateFactor(ctx, f), "CreateFactor "+f.ID)
	}
	for _, l := range []store.Link{link("gckey", "acct-1", "acct-1"), second} {
		got, a, fs, err := s.GetLinkWithAccount(ctx, l.Provider, l.Subject)
		must(t, err, "GetLinkWithAccount "+l.Provider)
		same(t, got, l, "the link")
		same(t, a, account("acct-1"), "the link's account")
		same(t, fs, []store.Factor{fa, fz, fc}, "the account's factors (oldest first, ties by ID)")
	}
	_, _, fs, err := s.GetLinkWithAccount(ctx, "gckey", "acct-10")
	must(t, err, "GetLinkWithAccount of acct-10")
	same(t, fs, []store.Factor{other}, "acct-10's factors")
	_, a, fs, err := s.GetLinkWithAccount(ctx, "gckey", "acct-3")
	must(t, err, "GetLinkWithAccount of an account without factors")
	same(t, a, account("acct-3"), "the account without factors")
	if len(fs) != 0 {
		t.Errorf("an account without factors came with %+v", fs)
	}
	got, a, fs, err := s.GetLinkWithAccount(ctx, "gckey", "nobody")
	wantErr(t, err, store.ErrNotFound, "GetLinkWithAccount of a missing link")
	if got.AccountID != "" || a.ID != "" || len(fs) != 0 {
		t.Errorf("a missing link came back as %+v with account %q and %d factors", got, a.ID, len(fs))
	}

	// The answer's joint update after the read, then the next read.
	_, _, _, err = s.GetLinkWithAccount(ctx, "gckey", "acct-1")
	must(t, err, "GetLinkWithAccount before the update")
	must(t, s.UpdateAccountFactor(ctx, "acct-1", "f-z", func(x store.Account, y store.Factor) (store.Account, store.Factor, error) {
		x.Failures, y.LastStep = 3, 8
		return x, y, nil
	}), "UpdateAccountFactor after GetLinkWithAccount")
	_, a, fs, err = s.GetLinkWithAccount(ctx, "gckey", "acct-1")
	must(t, err, "GetLinkWithAccount after the update")
	fz.LastStep = 8
	if a.Failures != 3 {
		t.Errorf("failures after the update = %d, want 3", a.Failures)
	}
	same(t, fs, []store.Factor{fa, fz, fc}, "factors after the update")
}

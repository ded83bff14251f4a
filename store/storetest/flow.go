package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

func testAuthRequests(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	r := authRequest("ar-1", 10*time.Minute)
	must(t, s.CreateAuthRequest(ctx, r), "CreateAuthRequest")
	wantErr(t, s.CreateAuthRequest(ctx, r), store.ErrAlreadyExists, "CreateAuthRequest duplicate")
	got, err := s.GetAuthRequest(ctx, "ar-1")
	must(t, err, "GetAuthRequest")
	same(t, got, r, "GetAuthRequest")
	_, err = s.GetAuthRequest(ctx, "ar-9")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequest missing")

	// A client's state is opaque bytes: not UTF-8, NUL included, it
	// comes back unaltered.
	bin := authRequest("ar-bin", 10*time.Minute)
	bin.State = "\xff\xfe\x00caf\xe9"
	must(t, s.CreateAuthRequest(ctx, bin), "CreateAuthRequest binary state")
	got, err = s.GetAuthRequest(ctx, "ar-bin")
	must(t, err, "GetAuthRequest binary state")
	same(t, got, bin, "GetAuthRequest binary state")

	must(t, s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.AccountID, r.AMR, r.ACR, r.Done = "acct-1", []string{"pwd", "otp"}, "urn:gc-ca:cyber-auth:assurance:loa2", true
		r.AuthTime, r.CodeHash = epoch.Add(time.Minute), store.HashToken("code-1")
		return r, nil
	}), "UpdateAuthRequest")
	r.AccountID, r.AMR, r.ACR, r.Done = "acct-1", []string{"pwd", "otp"}, "urn:gc-ca:cyber-auth:assurance:loa2", true
	r.AuthTime, r.CodeHash = epoch.Add(time.Minute), store.HashToken("code-1")
	got, err = s.GetAuthRequest(ctx, "ar-1")
	must(t, err, "GetAuthRequest after update")
	same(t, got, r, "GetAuthRequest after update")
	wantErr(t, s.UpdateAuthRequest(ctx, "ar-9", func(r store.AuthRequest) (store.AuthRequest, error) { return r, nil }),
		store.ErrNotFound, "UpdateAuthRequest missing")

	must(t, s.DeleteAuthRequest(ctx, "ar-1"), "DeleteAuthRequest")
	_, err = s.GetAuthRequest(ctx, "ar-1")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequest deleted")
	wantErr(t, s.DeleteAuthRequest(ctx, "ar-1"), store.ErrNotFound, "DeleteAuthRequest twice")
}

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testTermsAcceptances: the latest acceptance per (account, client),
// nothing shared between accounts or clients.
func testTermsAcceptances(t *testing.T, newStore NewStore) {
	s := newStore(t, time.Now)
	ctx := context.Background()
	if _, err := s.GetTermsAcceptance(ctx, "acct-1", "rp"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any acceptance: %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put := func(acct, client, version string) {
		t.Helper()
		if err := s.PutTermsAcceptance(ctx, store.TermsAcceptance{AccountID: acct, ClientID: client, Version: version, AcceptedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	put("acct-1", "rp", "v1")
	put("acct-1", "rp", "v2")
	put("acct-1", "other", "x")
	put("acct-2", "rp", "v1")
	for _, tc := range []struct{ acct, client, want string }{
		{"acct-1", "rp", "v2"}, {"acct-1", "other", "x"}, {"acct-2", "rp", "v1"},
	} {
		got, err := s.GetTermsAcceptance(ctx, tc.acct, tc.client)
		if err != nil || got.Version != tc.want || !got.AcceptedAt.Equal(at) || got.AccountID != tc.acct || got.ClientID != tc.client {
			t.Errorf("%s/%s: %+v %v, want version %s", tc.acct, tc.client, got, err, tc.want)
		}
	}
	if _, err := s.GetTermsAcceptance(ctx, "acct-2", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's acceptance leaked: %v", err)
	}
	if err := s.PutTermsAcceptance(ctx, store.TermsAcceptance{AccountID: "acct-1", ClientID: "rp"}); err == nil {
		t.Error("an acceptance without a version was stored")
	}
}

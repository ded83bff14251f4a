package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// terms is an acceptance of client's terms, version, by account, at epoch+at.
func terms(account, client, version string, at time.Duration) store.TermsAcceptance {
	return store.TermsAcceptance{AccountID: account, ClientID: client, Version: version, AcceptedAt: epoch.Add(at)}
}

// testTermsAcceptances: nothing before the first acceptance; a later put
// replaces the earlier one of the same (account, client) and no other.
func testTermsAcceptances(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	check := func(account, client string, want store.TermsAcceptance, what string) {
		t.Helper()
		got, err := s.GetTermsAcceptance(ctx, account, client)
		must(t, err, what)
		same(t, got, want, what)
	}
	missing := func(account, client, what string) {
		t.Helper()
		_, err := s.GetTermsAcceptance(ctx, account, client)
		wantErr(t, err, store.ErrNotFound, what)
	}

	missing("acct-1", "rp-1", "GetTermsAcceptance before any")
	v1 := terms("acct-1", "rp-1", "2026-01", 0)
	must(t, s.PutTermsAcceptance(ctx, v1), "PutTermsAcceptance v1")
	check("acct-1", "rp-1", v1, "GetTermsAcceptance after put")

	v2 := terms("acct-1", "rp-1", "2026-03", time.Hour)
	must(t, s.PutTermsAcceptance(ctx, v2), "PutTermsAcceptance v2")
	check("acct-1", "rp-1", v2, "GetTermsAcceptance after a second put (latest wins)")

	other := terms("acct-1", "rp-2", "7", 2*time.Hour)
	must(t, s.PutTermsAcceptance(ctx, other), "PutTermsAcceptance another client")
	check("acct-1", "rp-2", other, "GetTermsAcceptance of the other client")
	check("acct-1", "rp-1", v2, "GetTermsAcceptance unchanged by another client's")
	missing("acct-2", "rp-1", "GetTermsAcceptance of another account")

	theirs := terms("acct-2", "rp-1", "2025-12", 3*time.Hour)
	must(t, s.PutTermsAcceptance(ctx, theirs), "PutTermsAcceptance another account")
	check("acct-2", "rp-1", theirs, "GetTermsAcceptance of the other account")
	check("acct-1", "rp-1", v2, "GetTermsAcceptance unchanged by another account's")

	// (account, client) is a pair, not a concatenation.
	must(t, s.PutTermsAcceptance(ctx, terms("ab", "c", "1", 0)), "PutTermsAcceptance (ab, c)")
	missing("a", "bc", "GetTermsAcceptance (a, bc) after (ab, c)")
}

// testTermsAcceptanceInvalid: an acceptance without account, client or
// version is refused with a message naming what is missing, and not stored.
func testTermsAcceptanceInvalid(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		a    store.TermsAcceptance
		want string
	}{
		{"no account", terms("", "rp-1", "1", 0), "account ID"},
		{"no client", terms("acct-1", "", "1", 0), "client ID"},
		{"no version", terms("acct-1", "rp-1", "", 0), "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.PutTermsAcceptance(ctx, tc.a)
			if err == nil || !strings.Contains(err.Error(), "empty "+tc.want) {
				t.Fatalf("PutTermsAcceptance: got %v, want an error naming the empty %s", err, tc.want)
			}
			_, err = s.GetTermsAcceptance(ctx, tc.a.AccountID, tc.a.ClientID)
			wantErr(t, err, store.ErrNotFound, "GetTermsAcceptance after a refused put")
		})
	}
}

// testTermsAcceptanceCopy: a store that exports (store.Exporter) hands
// out the latest acceptance of each (account, client), and store.Copy
// puts them into another store, where the later of two acceptances wins;
// a second copy writes nothing.
func testTermsAcceptanceCopy(t *testing.T, newStore NewStore) {
	src, clk := open(t, newStore)
	x, ok := src.(store.Exporter)
	if !ok {
		t.Skip("the store does not implement store.Exporter")
	}
	ctx := t.Context()
	want := []store.TermsAcceptance{
		terms("acct-1", "rp-1", "2", time.Hour),
		terms("acct-1", "rp-2", "1", 0),
		terms("acct-2", "rp-1", "3", 0),
	}
	must(t, src.PutTermsAcceptance(ctx, terms("acct-1", "rp-1", "1", 0)), "PutTermsAcceptance replaced")
	for _, a := range want {
		must(t, src.PutTermsAcceptance(ctx, a), "PutTermsAcceptance")
	}
	var got []store.TermsAcceptance
	must(t, x.Export(ctx, func(r store.Record) error {
		if r.Kind == store.KindTermsAcceptance {
			a, ok := r.Value.(store.TermsAcceptance)
			if !ok {
				t.Fatalf("Export: %s record holds a %T", r.Kind, r.Value)
			}
			got = append(got, a)
		}
		return nil
	}), "Export")
	slices.SortFunc(got, func(a, b store.TermsAcceptance) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.ClientID, b.ClientID))
	})
	same(t, got, want, "exported terms acceptances")

	dst := newStore(t, clk.Now)
	newer := terms("acct-2", "rp-1", "4", time.Hour)
	must(t, dst.PutTermsAcceptance(ctx, newer), "PutTermsAcceptance in the target")
	counts, err := store.Copy(ctx, x, dst)
	must(t, err, "Copy")
	if n, skipped := counts[store.KindTermsAcceptance], counts[store.KindTermsAcceptance+store.SkippedSuffix]; n != 2 || skipped != 1 {
		t.Errorf("Copy: %d terms acceptances written, %d skipped; want 2 and 1 (the target's is newer)", n, skipped)
	}
	for _, w := range []store.TermsAcceptance{want[0], want[1], newer} {
		a, err := dst.GetTermsAcceptance(ctx, w.AccountID, w.ClientID)
		must(t, err, "GetTermsAcceptance in the target")
		same(t, a, w, "copied terms acceptance")
	}
	counts, err = store.Copy(ctx, x, dst)
	must(t, err, "Copy again")
	if n, skipped := counts[store.KindTermsAcceptance], counts[store.KindTermsAcceptance+store.SkippedSuffix]; n != 0 || skipped != 3 {
		t.Errorf("Copy again: %d terms acceptances written, %d skipped; want 0 and 3", n, skipped)
	}
}

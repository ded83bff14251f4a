package storetest

import (
	"fmt"
	"testing"

	"github.com/passerelle/passerelle/store"
)

// legacyAccount is a legacy account of client with a hash made up for
// the suite (stores never verify it).
func legacyAccount(client, id, username string) store.LegacyAccount {
	return store.LegacyAccount{ClientID: client, LegacyID: id, Username: username,
		PasswordHash: "$2a$10$" + id, Email: id + "@example.org", ImportedAt: epoch}
}

// testLegacyImport: an import is found by legacy ID and by username,
// whatever its case; importing a legacy ID again replaces it, username
// included; a username another legacy ID holds, or an invalid account,
// refuses the whole list.
func testLegacyImport(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a1, a2 := legacyAccount("ipo", "L-1", "Marie.Tremblay"), legacyAccount("ipo", "L-2", "jlee")
	other := legacyAccount("cert", "L-1", "marie.tremblay")
	must(t, s.ImportLegacyAccounts(ctx, []store.LegacyAccount{a1, a2, other}), "ImportLegacyAccounts")
	got, err := s.GetLegacyAccount(ctx, "ipo", "L-1")
	must(t, err, "GetLegacyAccount")
	same(t, got, a1, "GetLegacyAccount")
	got, err = s.GetLegacyAccountByUsername(ctx, "ipo", "  MARIE.tremblay ")
	must(t, err, "GetLegacyAccountByUsername, another case")
	same(t, got, a1, "GetLegacyAccountByUsername")
	got, err = s.GetLegacyAccountByUsername(ctx, "cert", "marie.tremblay")
	must(t, err, "GetLegacyAccountByUsername of another client")
	same(t, got, other, "the other client's legacy account")
	_, err = s.GetLegacyAccount(ctx, "ipo", "L-3")
	wantErr(t, err, store.ErrNotFound, "GetLegacyAccount unknown")

	renamed := a2
	renamed.Username, renamed.Email = "j.lee", "j.lee@example.org"
	must(t, s.ImportLegacyAccounts(ctx, []store.LegacyAccount{renamed}), "ImportLegacyAccounts again")
	got, err = s.GetLegacyAccountByUsername(ctx, "ipo", "j.lee")
	must(t, err, "GetLegacyAccountByUsername after a new username")
	same(t, got, renamed, "the re-imported legacy account")
	_, err = s.GetLegacyAccountByUsername(ctx, "ipo", "jlee")
	wantErr(t, err, store.ErrNotFound, "the former username")

	fresh := legacyAccount("ipo", "L-3", "new")
	for _, tc := range []struct {
		name string
		list []store.LegacyAccount
		want error
	}{
		{"a username held by a stored account", []store.LegacyAccount{fresh, legacyAccount("ipo", "L-4", "J.Lee")}, store.ErrConflict},
		{"a username twice in the list", []store.LegacyAccount{fresh, legacyAccount("ipo", "L-4", "NEW")}, store.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.ImportLegacyAccounts(ctx, tc.list), tc.want, "ImportLegacyAccounts")
			_, err := s.GetLegacyAccount(ctx, "ipo", "L-3")
			wantErr(t, err, store.ErrNotFound, "the list's first account after a refused import")
		})
	}
	for _, bad := range []store.LegacyAccount{legacyAccount("", "L-5", "x"), legacyAccount("ipo", "", "x"),
		legacyAccount("ipo", "L-5", " "), {ClientID: "ipo", LegacyID: "L-5", Username: "x"}} {
		if err := s.ImportLegacyAccounts(ctx, []store.LegacyAccount{fresh, bad}); err == nil {
			t.Errorf("ImportLegacyAccounts(%+v): no error", bad)
		}
		_, err = s.GetLegacyAccount(ctx, "ipo", "L-3")
		wantErr(t, err, store.ErrNotFound, "the list's first account after an invalid one")
	}
}

// testLegacyLinks: an account answers a client's step once; a legacy
// account is linked to one account, only if imported, per client; an
// answer of none takes no legacy account; deleting the answer frees both.
func testLegacyLinks(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.ImportLegacyAccounts(ctx, []store.LegacyAccount{legacyAccount("ipo", "L-1", "a"),
		legacyAccount("cert", "L-1", "a")}), "ImportLegacyAccounts")
	link := store.LegacyLink{ClientID: "ipo", AccountID: "acct-1", LegacyID: "L-1", CreatedAt: epoch}
	_, err := s.GetLegacyLink(ctx, "ipo", "acct-1")
	wantErr(t, err, store.ErrNotFound, "GetLegacyLink before any")
	must(t, s.CreateLegacyLink(ctx, link), "CreateLegacyLink")
	got, err := s.GetLegacyLink(ctx, "ipo", "acct-1")
	must(t, err, "GetLegacyLink")
	same(t, got, link, "GetLegacyLink")
	got, err = s.GetLegacyLinkByLegacyID(ctx, "ipo", "L-1")
	must(t, err, "GetLegacyLinkByLegacyID")
	same(t, got, link, "GetLegacyLinkByLegacyID")

	for _, tc := range []struct {
		name string
		l    store.LegacyLink
		want error
	}{
		{"the account answered already", store.LegacyLink{ClientID: "ipo", AccountID: "acct-1"}, store.ErrAlreadyExists},
		{"the legacy account is another's", store.LegacyLink{ClientID: "ipo", AccountID: "acct-2", LegacyID: "L-1"}, store.ErrAlreadyExists},
		{"a legacy ID never imported", store.LegacyLink{ClientID: "ipo", AccountID: "acct-2", LegacyID: "L-9"}, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.CreateLegacyLink(ctx, tc.l), tc.want, "CreateLegacyLink")
			if _, err := s.GetLegacyLink(ctx, tc.l.ClientID, "acct-2"); tc.l.AccountID == "acct-2" {
				wantErr(t, err, store.ErrNotFound, "acct-2's answer after a refused link")
			}
		})
	}
	if err := s.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo"}); err == nil {
		t.Error("CreateLegacyLink without an account: no error")
	}
	// The same legacy ID of another client is another legacy account.
	must(t, s.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "cert", AccountID: "acct-2", LegacyID: "L-1"}), "CreateLegacyLink, other client")
	// None, for two accounts.
	for _, acct := range []string{"acct-2", "acct-3"} {
		must(t, s.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo", AccountID: acct, CreatedAt: epoch}), "CreateLegacyLink none")
	}

	must(t, s.DeleteLegacyLink(ctx, "ipo", "acct-1"), "DeleteLegacyLink")
	wantErr(t, s.DeleteLegacyLink(ctx, "ipo", "acct-1"), store.ErrNotFound, "DeleteLegacyLink again")
	_, err = s.GetLegacyLinkByLegacyID(ctx, "ipo", "L-1")
	wantErr(t, err, store.ErrNotFound, "GetLegacyLinkByLegacyID after delete")
	must(t, s.DeleteLegacyLink(ctx, "ipo", "acct-2"), "DeleteLegacyLink none")
	must(t, s.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo", AccountID: "acct-2", LegacyID: "L-1"}), "CreateLegacyLink after delete")
}

// testLinkLegacyOnce: of many accounts racing to link one legacy
// account, exactly one does, and the link names it.
func testLinkLegacyOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.ImportLegacyAccounts(ctx, []store.LegacyAccount{legacyAccount("ipo", "L-1", "a")}), "ImportLegacyAccounts")
	errs := race(func(i int) error {
		return s.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo", AccountID: fmt.Sprintf("acct-%d", i), LegacyID: "L-1"})
	})
	w := oneWinner(t, errs, store.ErrAlreadyExists)
	got, err := s.GetLegacyLinkByLegacyID(ctx, "ipo", "L-1")
	must(t, err, "GetLegacyLinkByLegacyID")
	if want := fmt.Sprintf("acct-%d", w); got.AccountID != want {
		t.Errorf("linked to %s, want the winner %s", got.AccountID, want)
	}
	for i := range racers {
		if _, err := s.GetLegacyLink(ctx, "ipo", fmt.Sprintf("acct-%d", i)); (err == nil) != (i == w) {
			t.Errorf("acct-%d's answer: %v", i, err)
		}
	}
}

package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

func testClients(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a, b := client("portal-a"), client("portal-b")
	b.Public, b.AuthMethod, b.SecretHash = true, "none", nil
	// A client's organizations travel with its record, durations included.
	a.Steps = []string{"organization"}
	a.Organizations = &store.ClientOrgs{Required: true, Owner: "owner", AfterTransfer: store.OrgLeave, Activation: true,
		InvitationTTL: 240 * time.Hour, ActivationTTL: 1080 * time.Hour, TransferTTL: 90 * time.Minute,
		Claims: store.OrgClaimNames{Org: "business", Roles: "business_roles"},
		Roles: []store.OrgRole{{ID: "owner", Name: map[string]string{"en": "Owner", "fr": "Propriétaire"}, Invite: []string{"user"},
			Manage: []string{"user"}, SeeMembers: true}, {ID: "user", Name: map[string]string{"en": "User", "fr": "Utilisateur"}}}}
	must(t, s.CreateClient(ctx, b), "CreateClient b")
	must(t, s.CreateClient(ctx, a), "CreateClient a")
	wantErr(t, s.CreateClient(ctx, a), store.ErrAlreadyExists, "CreateClient duplicate")

	got, err := s.GetClient(ctx, "portal-a")
	must(t, err, "GetClient")
	same(t, got, a, "GetClient")
	_, err = s.GetClient(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound, "GetClient missing")

	all, err := s.ListClients(ctx)
	must(t, err, "ListClients")
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	same(t, all, []store.Client{a, b}, "ListClients")

	must(t, s.UpdateClient(ctx, "portal-a", func(c store.Client) (store.Client, error) {
		c.RedirectURIs = append(c.RedirectURIs, "https://rp.example/cb2")
		return c, nil
	}), "UpdateClient")
	got, err = s.GetClient(ctx, "portal-a")
	must(t, err, "GetClient after update")
	a.RedirectURIs = []string{"https://rp.example/cb", "https://rp.example/cb2"}
	same(t, got, a, "GetClient after update")
	wantErr(t, s.UpdateClient(ctx, "nobody", func(c store.Client) (store.Client, error) { return c, nil }),
		store.ErrNotFound, "UpdateClient missing")

	must(t, s.DeleteClient(ctx, "portal-a"), "DeleteClient")
	_, err = s.GetClient(ctx, "portal-a")
	wantErr(t, err, store.ErrNotFound, "GetClient deleted")
	wantErr(t, s.DeleteClient(ctx, "portal-a"), store.ErrNotFound, "DeleteClient twice")
	all, err = s.ListClients(ctx)
	must(t, err, "ListClients after delete")
	same(t, all, []store.Client{b}, "ListClients after delete")
}

func testSigningKeys(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	k1, k2 := signingKey("k1"), signingKey("k2")
	must(t, s.CreateSigningKey(ctx, k1), "CreateSigningKey k1")
	must(t, s.CreateSigningKey(ctx, k2), "CreateSigningKey k2")
	wantErr(t, s.CreateSigningKey(ctx, k1), store.ErrAlreadyExists, "CreateSigningKey duplicate")

	retired := epoch.Add(24 * time.Hour)
	must(t, s.UpdateSigningKey(ctx, "k1", func(k store.SigningKey) (store.SigningKey, error) {
		k.RetiredAt, k.ExpiresAt = retired, retired.Add(24*time.Hour)
		return k, nil
	}), "UpdateSigningKey")
	wantErr(t, s.UpdateSigningKey(ctx, "k9", func(k store.SigningKey) (store.SigningKey, error) { return k, nil }),
		store.ErrNotFound, "UpdateSigningKey missing")
	k1.RetiredAt, k1.ExpiresAt = retired, retired.Add(24*time.Hour)

	keys, err := s.ListSigningKeys(ctx)
	must(t, err, "ListSigningKeys")
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	same(t, keys, []store.SigningKey{k1, k2}, "ListSigningKeys")

	must(t, s.DeleteSigningKey(ctx, "k2"), "DeleteSigningKey")
	wantErr(t, s.DeleteSigningKey(ctx, "k2"), store.ErrNotFound, "DeleteSigningKey twice")
	keys, err = s.ListSigningKeys(ctx)
	must(t, err, "ListSigningKeys after delete")
	same(t, keys, []store.SigningKey{k1}, "ListSigningKeys after delete")
}

func testAccounts(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a := account("acct-1")
	l := link("gckey", "gc-123", "acct-1")
	must(t, s.CreateAccount(ctx, a, l), "CreateAccount")

	got, err := s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount")
	same(t, got, a, "GetAccount")
	got, err = s.GetAccountByURN(ctx, a.URN)
	must(t, err, "GetAccountByURN")
	same(t, got, a, "GetAccountByURN")
	gotLink, err := s.GetLink(ctx, "gckey", "gc-123")
	must(t, err, "GetLink")
	same(t, gotLink, l, "GetLink")

	_, err = s.GetAccount(ctx, "acct-9")
	wantErr(t, err, store.ErrNotFound, "GetAccount missing")
	_, err = s.GetAccountByURN(ctx, "URN-none")
	wantErr(t, err, store.ErrNotFound, "GetAccountByURN missing")

	dupID := account("acct-1")
	dupID.URN = "URN-other"
	wantErr(t, s.CreateAccount(ctx, dupID, link("gckey", "gc-other", "acct-1")), store.ErrAlreadyExists, "CreateAccount duplicate ID")
	dupURN := account("acct-2")
	dupURN.URN = a.URN
	wantErr(t, s.CreateAccount(ctx, dupURN, link("gckey", "gc-2", "acct-2")), store.ErrAlreadyExists, "CreateAccount duplicate URN")
	_, err = s.GetAccount(ctx, "acct-2")
	wantErr(t, err, store.ErrNotFound, "account refused for its URN")

	must(t, s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
		a.LastLoginAt = epoch.Add(time.Hour)
		a.Email = "jeanne@example.ca"
		return a, nil
	}), "UpdateAccount")
	a.LastLoginAt, a.Email = epoch.Add(time.Hour), "jeanne@example.ca"
	got, err = s.GetAccountByURN(ctx, a.URN)
	must(t, err, "GetAccountByURN after update")
	same(t, got, a, "GetAccountByURN after update")
	wantErr(t, s.UpdateAccount(ctx, "acct-9", func(a store.Account) (store.Account, error) { return a, nil }),
		store.ErrNotFound, "UpdateAccount missing")
}

// testCreateAccountAtomic: an account whose first link is taken must not
// be stored at all, nor its URN reserved.
func testCreateAccountAtomic(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, account("acct-1"), link("bank", "b-1", "acct-1")), "CreateAccount")

	loser := account("acct-2")
	wantErr(t, s.CreateAccount(ctx, loser, link("bank", "b-1", "acct-2")), store.ErrAlreadyExists, "CreateAccount with a linked identity")
	_, err := s.GetAccount(ctx, "acct-2")
	wantErr(t, err, store.ErrNotFound, "GetAccount of the refused account")
	_, err = s.GetAccountByURN(ctx, loser.URN)
	wantErr(t, err, store.ErrNotFound, "GetAccountByURN of the refused account")
	links, err := s.ListLinks(ctx, "acct-2")
	must(t, err, "ListLinks of the refused account")
	if len(links) != 0 {
		t.Errorf("refused account has links: %+v", links)
	}
	l, err := s.GetLink(ctx, "bank", "b-1")
	must(t, err, "GetLink")
	if l.AccountID != "acct-1" {
		t.Errorf("link moved to %q", l.AccountID)
	}
	// The refused account's ID and URN are still free.
	must(t, s.CreateAccount(ctx, loser, link("bank", "b-2", "acct-2")), "CreateAccount retried with a free link")
}

func testAccountURNChange(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, account("acct-1"), link("gckey", "s1", "acct-1")), "CreateAccount 1")
	must(t, s.CreateAccount(ctx, account("acct-2"), link("gckey", "s2", "acct-2")), "CreateAccount 2")

	must(t, s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
		a.URN = "URN-new"
		return a, nil
	}), "UpdateAccount URN")
	got, err := s.GetAccountByURN(ctx, "URN-new")
	must(t, err, "GetAccountByURN new URN")
	if got.ID != "acct-1" {
		t.Errorf("new URN resolves to %q", got.ID)
	}
	_, err = s.GetAccountByURN(ctx, "URN-acct-1")
	wantErr(t, err, store.ErrNotFound, "GetAccountByURN old URN")

	wantErr(t, s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
		a.URN = "URN-acct-2"
		return a, nil
	}), store.ErrConflict, "UpdateAccount to a taken URN")
	got, err = s.GetAccountByURN(ctx, "URN-acct-2")
	must(t, err, "GetAccountByURN taken URN")
	if got.ID != "acct-2" {
		t.Errorf("taken URN now resolves to %q", got.ID)
	}
}

func testLinks(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAccount(ctx, account("acct-1"), link("gckey", "s1", "acct-1")), "CreateAccount")
	must(t, s.CreateAccount(ctx, account("acct-2"), link("gckey", "s2", "acct-2")), "CreateAccount 2")
	l2 := link("bank", "s1", "acct-1") // same subject, other provider
	must(t, s.CreateLink(ctx, l2), "CreateLink")
	wantErr(t, s.CreateLink(ctx, l2), store.ErrAlreadyExists, "CreateLink duplicate")
	wantErr(t, s.CreateLink(ctx, link("bank", "s1", "acct-2")), store.ErrAlreadyExists, "CreateLink linked to another account")
	wantErr(t, s.CreateLink(ctx, link("bank", "s9", "acct-9")), store.ErrNotFound, "CreateLink to a missing account")
	_, err := s.GetLink(ctx, "bank", "s9")
	wantErr(t, err, store.ErrNotFound, "GetLink of a refused link")

	links, err := s.ListLinks(ctx, "acct-1")
	must(t, err, "ListLinks")
	sort.Slice(links, func(i, j int) bool { return links[i].Provider < links[j].Provider })
	same(t, links, []store.Link{l2, link("gckey", "s1", "acct-1")}, "ListLinks")
	none, err := s.ListLinks(ctx, "acct-9")
	must(t, err, "ListLinks unknown account")
	if len(none) != 0 {
		t.Errorf("ListLinks unknown account = %+v", none)
	}

	must(t, s.DeleteLink(ctx, "gckey", "s1"), "DeleteLink")
	_, err = s.GetLink(ctx, "gckey", "s1")
	wantErr(t, err, store.ErrNotFound, "GetLink deleted")
	wantErr(t, s.DeleteLink(ctx, "gckey", "s1"), store.ErrNotFound, "DeleteLink twice")
	links, err = s.ListLinks(ctx, "acct-1")
	must(t, err, "ListLinks after delete")
	same(t, links, []store.Link{l2}, "ListLinks after delete")
	other, err := s.ListLinks(ctx, "acct-2")
	must(t, err, "ListLinks other account")
	same(t, other, []store.Link{link("gckey", "s2", "acct-2")}, "ListLinks other account")
}

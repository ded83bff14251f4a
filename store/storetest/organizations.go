package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// org is an active organization of client with owner (may be empty) and
// members, each with role "user".
func org(client, id, number, owner string, members ...string) store.Organization {
	o := store.Organization{ClientID: client, ID: id, ExternalNumber: number, Status: store.OrgActive, Owner: owner,
		Names: map[string]string{"en": "Org " + id, "fr": "Org " + id}, CreatedAt: epoch, UpdatedAt: epoch}
	for _, m := range members {
		o.Members = append(o.Members, store.Member{AccountID: m, Role: "user", Since: epoch})
	}
	return o
}

// invitation is a pending invitation whose code hashes from code.
func invitation(id, code string) store.Invitation {
	return store.Invitation{ID: id, Role: "user", Hash: store.HashToken(code), CreatedBy: "acct-owner",
		CreatedAt: epoch, ExpiresAt: epoch.Add(30 * 24 * time.Hour)}
}

// orgIDs are the IDs of orgs, in order.
func orgIDs(orgs []store.Organization) []string {
	out := []string{}
	for _, o := range orgs {
		out = append(out, o.ClientID+"/"+o.ID)
	}
	return out
}

// testOrganizations: create, read by ID, number, invitation and member;
// every read is scoped to the client, and another client's organization
// with the same ID and number is a different record.
func testOrganizations(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a := org("rp-1", "org-1", "BN-1", "acct-owner", "acct-1")
	a.Invitations = []store.Invitation{invitation("inv-1", "code-1")}
	must(t, s.CreateOrganization(ctx, a), "CreateOrganization")
	theirs := org("rp-2", "org-1", "BN-1", "acct-2", "acct-1")
	must(t, s.CreateOrganization(ctx, theirs), "CreateOrganization of another client, same ID and number")

	got, err := s.GetOrganization(ctx, "rp-1", "org-1")
	must(t, err, "GetOrganization")
	same(t, got, a, "GetOrganization")
	got, err = s.GetOrganization(ctx, "rp-2", "org-1")
	must(t, err, "GetOrganization of the other client")
	same(t, got, theirs, "GetOrganization of the other client")
	got, err = s.GetOrganizationByNumber(ctx, "rp-1", "BN-1")
	must(t, err, "GetOrganizationByNumber")
	same(t, got, a, "GetOrganizationByNumber")
	got, err = s.GetOrganizationByInvitation(ctx, "rp-1", store.HashToken("code-1"))
	must(t, err, "GetOrganizationByInvitation")
	same(t, got, a, "GetOrganizationByInvitation")

	// Another client reads nothing of rp-1's.
	_, err = s.GetOrganization(ctx, "rp-3", "org-1")
	wantErr(t, err, store.ErrNotFound, "GetOrganization by a client without it")
	_, err = s.GetOrganizationByNumber(ctx, "rp-3", "BN-1")
	wantErr(t, err, store.ErrNotFound, "GetOrganizationByNumber by a client without it")
	_, err = s.GetOrganizationByInvitation(ctx, "rp-2", store.HashToken("code-1"))
	wantErr(t, err, store.ErrNotFound, "GetOrganizationByInvitation of another client's code")
	list, err := s.ListOrganizations(ctx, "rp-3")
	must(t, err, "ListOrganizations")
	same(t, orgIDs(list), []string{}, "ListOrganizations of a client without any")
	list, err = s.ListOrganizationsOf(ctx, "rp-3", "acct-1")
	must(t, err, "ListOrganizationsOf")
	same(t, orgIDs(list), []string{}, "ListOrganizationsOf at a client without any")

	// Members and owner are listed; a non-member is not.
	must(t, s.CreateOrganization(ctx, org("rp-1", "org-0", "", "acct-1")), "CreateOrganization without a number")
	must(t, s.CreateOrganization(ctx, org("rp-1", "org-2", "", "")), "CreateOrganization of a second one without a number")
	for _, tc := range []struct {
		client, account string
		want            []string
	}{
		{"rp-1", "acct-1", []string{"rp-1/org-0", "rp-1/org-1"}},
		{"rp-1", "acct-owner", []string{"rp-1/org-1"}},
		{"rp-2", "acct-1", []string{"rp-2/org-1"}},
		{"rp-1", "acct-2", []string{}},
		{"rp-1", "", []string{}},
	} {
		list, err := s.ListOrganizationsOf(ctx, tc.client, tc.account)
		must(t, err, "ListOrganizationsOf")
		same(t, orgIDs(list), tc.want, "ListOrganizationsOf("+tc.client+", "+tc.account+")")
	}
	list, err = s.ListOrganizations(ctx, "rp-1")
	must(t, err, "ListOrganizations")
	same(t, orgIDs(list), []string{"rp-1/org-0", "rp-1/org-1", "rp-1/org-2"}, "ListOrganizations")

	wantErr(t, s.CreateOrganization(ctx, org("rp-1", "org-1", "", "")), store.ErrAlreadyExists, "CreateOrganization with a taken ID")
	wantErr(t, s.CreateOrganization(ctx, org("rp-1", "org-9", "BN-1", "")), store.ErrAlreadyExists, "CreateOrganization with a taken number")
	_, err = s.GetOrganization(ctx, "rp-1", "org-9")
	wantErr(t, err, store.ErrNotFound, "GetOrganization after a refused create")
}

// testOrganizationUpdates: an update moves the number, member and
// invitation indexes with the record; a taken number is ErrConflict; a
// refused or invalid update writes nothing.
func testOrganizationUpdates(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateOrganization(ctx, org("rp-1", "org-1", "BN-1", "acct-owner", "acct-1")), "CreateOrganization")
	must(t, s.CreateOrganization(ctx, org("rp-1", "org-2", "BN-2", "")), "CreateOrganization")
	must(t, s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.ExternalNumber = "BN-3"
		o.Members = []store.Member{{AccountID: "acct-2", Role: "admin", Since: epoch}}
		o.Invitations = append(o.Invitations, invitation("inv-1", "code-1"))
		return o, nil
	}), "UpdateOrganization")
	_, err := s.GetOrganizationByNumber(ctx, "rp-1", "BN-1")
	wantErr(t, err, store.ErrNotFound, "GetOrganizationByNumber of the old number")
	got, err := s.GetOrganizationByNumber(ctx, "rp-1", "BN-3")
	must(t, err, "GetOrganizationByNumber of the new number")
	if got.Role("acct-2", "owner") != "admin" || got.Role("acct-1", "owner") != "" || got.Role("acct-owner", "owner") != "owner" {
		t.Errorf("roles after the update: %+v", got)
	}
	list, err := s.ListOrganizationsOf(ctx, "rp-1", "acct-1")
	must(t, err, "ListOrganizationsOf")
	same(t, orgIDs(list), []string{}, "ListOrganizationsOf a removed member")
	list, err = s.ListOrganizationsOf(ctx, "rp-1", "acct-2")
	must(t, err, "ListOrganizationsOf")
	same(t, orgIDs(list), []string{"rp-1/org-1"}, "ListOrganizationsOf a new member")
	_, err = s.GetOrganizationByInvitation(ctx, "rp-1", store.HashToken("code-1"))
	must(t, err, "GetOrganizationByInvitation of a new invitation")

	// An update function that edits its argument in place (slices.Delete
	// shifts the members it shares) still moves the entries right.
	must(t, s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.Members = append(o.Members, store.Member{AccountID: "acct-3", Role: "user", Since: epoch})
		return o, nil
	}), "UpdateOrganization adding acct-3")
	must(t, s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.Members = slices.Delete(o.Members, 0, 1) // acct-2, in place
		return o, nil
	}), "UpdateOrganization removing acct-2 in place")
	for account, want := range map[string][]string{"acct-2": {}, "acct-3": {"rp-1/org-1"}} {
		list, err := s.ListOrganizationsOf(ctx, "rp-1", account)
		must(t, err, "ListOrganizationsOf")
		same(t, orgIDs(list), want, "ListOrganizationsOf "+account+" after an in-place removal")
	}
	must(t, s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.Members = []store.Member{{AccountID: "acct-2", Role: "admin", Since: epoch}}
		return o, nil
	}), "UpdateOrganization restoring acct-2")

	// Dropping the invitation drops its index entry.
	must(t, s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.Invitations = nil
		return o, nil
	}), "UpdateOrganization dropping the invitation")
	_, err = s.GetOrganizationByInvitation(ctx, "rp-1", store.HashToken("code-1"))
	wantErr(t, err, store.ErrNotFound, "GetOrganizationByInvitation of a dropped invitation")

	before, err := s.GetOrganization(ctx, "rp-1", "org-1")
	must(t, err, "GetOrganization")
	for _, tc := range []struct {
		name string
		fn   func(store.Organization) (store.Organization, error)
		want error
	}{
		{"taken number", func(o store.Organization) (store.Organization, error) {
			o.ExternalNumber = "BN-2"
			return o, nil
		}, store.ErrConflict},
		{"refused", func(o store.Organization) (store.Organization, error) {
			o.Status = store.OrgSuspended
			return o, errRefused
		}, errRefused},
		{"changed key", func(o store.Organization) (store.Organization, error) {
			o.ID = "org-7"
			return o, nil
		}, store.ErrConflict},
	} {
		wantErr(t, s.UpdateOrganization(ctx, "rp-1", "org-1", tc.fn), tc.want, "UpdateOrganization: "+tc.name)
	}
	// The owner listed as a member too: two owners in effect. Refused.
	err = s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
		o.Members = append(o.Members, store.Member{AccountID: o.Owner, Role: "admin", Since: epoch})
		return o, nil
	})
	if err == nil {
		t.Error("UpdateOrganization listing the owner as a member: accepted")
	}
	after, err := s.GetOrganization(ctx, "rp-1", "org-1")
	must(t, err, "GetOrganization")
	same(t, after, before, "organization after refused updates")
	wantErr(t, s.UpdateOrganization(ctx, "rp-2", "org-1", flagCall[store.Organization](new(bool))), store.ErrNotFound,
		"UpdateOrganization by another client")
}

// testOrganizationsOneOwner: of racing transfers of ownership (each from
// whoever owns to one member, who must still be a member) and removals of
// members (who must not own), every outcome leaves exactly one owner who
// is a member nobody removed, and no account lost or listed twice.
func testOrganizationsOneOwner(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	members := []string{}
	for i := range 8 {
		members = append(members, fmt.Sprintf("acct-%d", i))
	}
	must(t, s.CreateOrganization(ctx, org("rp-1", "org-1", "", "acct-owner", members...)), "CreateOrganization")
	removed := make([]bool, racers)
	errs := race(func(i int) error {
		target := members[i%len(members)]
		if i%2 == 0 {
			return s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
				at := slices.IndexFunc(o.Members, func(m store.Member) bool { return m.AccountID == target })
				if at < 0 {
					return o, errRefused
				}
				o.Members[at] = store.Member{AccountID: o.Owner, Role: "delegate", Since: epoch}
				o.Owner = target
				return o, nil
			})
		}
		err := s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
			at := slices.IndexFunc(o.Members, func(m store.Member) bool { return m.AccountID == target })
			if at < 0 || o.Owner == target {
				return o, errRefused
			}
			o.Members = slices.Delete(slices.Clone(o.Members), at, at+1)
			return o, nil
		})
		removed[i] = err == nil
		return err
	})
	gone := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			wantErr(t, err, errRefused, fmt.Sprintf("racer %d", i))
		}
		if removed[i] {
			gone[members[i%len(members)]] = true
		}
	}
	o, err := s.GetOrganization(ctx, "rp-1", "org-1")
	must(t, err, "GetOrganization")
	must(t, o.Validate(), "the organization after the race")
	if o.Owner == "" || gone[o.Owner] {
		t.Errorf("owner after the race: %q (removed: %v)", o.Owner, gone[o.Owner])
	}
	accounts := o.MemberAccounts()
	if want := len(members) + 1 - len(gone); len(accounts) != want {
		t.Errorf("after the race %d accounts remain, want %d (%d removed): %v", len(accounts), want, len(gone), accounts)
	}
	for _, a := range accounts {
		if gone[a] {
			t.Errorf("removed account %s is still there", a)
		}
		list, err := s.ListOrganizationsOf(ctx, "rp-1", a)
		must(t, err, "ListOrganizationsOf")
		same(t, orgIDs(list), []string{"rp-1/org-1"}, "ListOrganizationsOf a remaining account")
	}
	for a := range gone {
		list, err := s.ListOrganizationsOf(ctx, "rp-1", a)
		must(t, err, "ListOrganizationsOf")
		same(t, orgIDs(list), []string{}, "ListOrganizationsOf a removed account")
	}
}

// testOrganizationActivateOnce: of racing activations of an organization
// without an owner (each sets its own account as owner unless one is
// set), exactly one wins and is the owner.
func testOrganizationActivateOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	pending := org("rp-1", "org-1", "BN-1", "")
	pending.Status = store.OrgPending
	must(t, s.CreateOrganization(ctx, pending), "CreateOrganization")
	errs := race(func(i int) error {
		return s.UpdateOrganization(ctx, "rp-1", "org-1", func(o store.Organization) (store.Organization, error) {
			if o.Owner != "" {
				return o, errRefused
			}
			o.Owner, o.Status = fmt.Sprintf("acct-%d", i), store.OrgActive
			return o, nil
		})
	})
	winner := oneWinner(t, errs, errRefused)
	o, err := s.GetOrganization(ctx, "rp-1", "org-1")
	must(t, err, "GetOrganization")
	if want := fmt.Sprintf("acct-%d", winner); o.Owner != want {
		t.Errorf("owner %q, want the winner %q", o.Owner, want)
	}
}

// testOrganizationCopy: an exporting store hands out organizations and
// store.Copy creates them in another store, indexes included; a second
// copy skips them.
func testOrganizationCopy(t *testing.T, newStore NewStore) {
	src, clk := open(t, newStore)
	x, ok := src.(store.Exporter)
	if !ok {
		t.Skip("the store does not implement store.Exporter")
	}
	ctx := t.Context()
	a := org("rp-1", "org-1", "BN-1", "acct-owner", "acct-1")
	a.Invitations = []store.Invitation{invitation("inv-1", "code-1")}
	must(t, src.CreateOrganization(ctx, a), "CreateOrganization")
	must(t, src.CreateOrganization(ctx, org("rp-2", "org-1", "", "acct-2")), "CreateOrganization")
	dst := newStore(t, clk.Now)
	counts, err := store.Copy(ctx, x, dst)
	must(t, err, "Copy")
	if n := counts[store.KindOrganization]; n != 2 {
		t.Errorf("Copy wrote %d organizations, want 2", n)
	}
	got, err := dst.GetOrganizationByInvitation(ctx, "rp-1", store.HashToken("code-1"))
	must(t, err, "GetOrganizationByInvitation in the target")
	same(t, got, a, "copied organization")
	counts, err = store.Copy(ctx, x, dst)
	must(t, err, "Copy again")
	if n, skipped := counts[store.KindOrganization], counts[store.KindOrganization+store.SkippedSuffix]; n != 0 || skipped != 2 {
		t.Errorf("Copy again: %d organizations written, %d skipped; want 0 and 2", n, skipped)
	}
}

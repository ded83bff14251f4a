package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

func testGrants(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	g := grant("g-1", "acct-1", "rt-1", time.Hour)
	must(t, s.CreateGrant(ctx, g), "CreateGrant")
	wantErr(t, s.CreateGrant(ctx, g), store.ErrAlreadyExists, "CreateGrant duplicate ID")
	noRefresh := grant("g-3", "acct-1", "", time.Hour)
	must(t, s.CreateGrant(ctx, noRefresh), "CreateGrant without refresh token")

	got, err := s.GetGrant(ctx, "g-1")
	must(t, err, "GetGrant")
	same(t, got, g, "GetGrant")
	got, err = s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-1"))
	must(t, err, "GetGrantByRefreshHash")
	same(t, got, g, "GetGrantByRefreshHash")
	got, err = s.GetGrant(ctx, "g-3")
	must(t, err, "GetGrant without refresh token")
	same(t, got, noRefresh, "GetGrant without refresh token")
	_, err = s.GetGrant(ctx, "g-9")
	wantErr(t, err, store.ErrNotFound, "GetGrant missing")
	_, err = s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-9"))
	wantErr(t, err, store.ErrNotFound, "GetGrantByRefreshHash unknown")
	_, err = s.GetGrantByRefreshHash(ctx, "g-3", store.HashToken("rt-1"))
	wantErr(t, err, store.ErrNotFound, "GetGrantByRefreshHash of another grant's hash")
	_, err = s.GetGrantByRefreshHash(ctx, "g-9", store.HashToken("rt-1"))
	wantErr(t, err, store.ErrNotFound, "GetGrantByRefreshHash of a missing grant")

	must(t, s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
		g.Revoked = true
		return g, nil
	}), "UpdateGrant revoke")
	got, err = s.GetGrant(ctx, "g-1")
	must(t, err, "GetGrant revoked")
	if !got.Revoked {
		t.Error("revocation not stored")
	}
	wantErr(t, s.UpdateGrant(ctx, "g-9", func(g store.Grant) (store.Grant, error) { return g, nil }),
		store.ErrNotFound, "UpdateGrant missing")
}

// testRefreshRotation: every refresh hash a grant ever had resolves to it,
// so a rotated-away token presented again is recognised as reuse; a hash
// resolves only under the grant that had it.
func testRefreshRotation(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateGrant(ctx, grant("g-1", "acct-1", "rt-0", time.Hour)), "CreateGrant")
	must(t, s.CreateGrant(ctx, grant("g-2", "acct-1", "other-0", time.Hour)), "CreateGrant other")
	for i, next := range []string{"rt-1", "rt-2", "rt-3"} {
		must(t, s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = store.HashToken(next)
			return g, nil
		}), "UpdateGrant rotation")
		for _, old := range []string{"rt-0", "rt-1", "rt-2", "rt-3"}[:i+2] {
			got, err := s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken(old))
			must(t, err, "GetGrantByRefreshHash "+old+" after rotating to "+next)
			if got.ID != "g-1" || string(got.RefreshHash) != string(store.HashToken(next)) {
				t.Errorf("%s after rotating to %s: got grant %q with another current hash", old, next, got.ID)
			}
		}
	}
	got, err := s.GetGrantByRefreshHash(ctx, "g-2", store.HashToken("other-0"))
	must(t, err, "GetGrantByRefreshHash other")
	if got.ID != "g-2" {
		t.Errorf("other grant's hash resolves to %q", got.ID)
	}
	for _, h := range []struct{ grant, token string }{{"g-1", "other-0"}, {"g-2", "rt-0"}, {"g-2", "rt-3"}} {
		_, err := s.GetGrantByRefreshHash(ctx, h.grant, store.HashToken(h.token))
		wantErr(t, err, store.ErrNotFound, "GetGrantByRefreshHash "+h.token+" under "+h.grant)
	}
}

func testRevokeGrantsByAccount(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	for _, g := range []store.Grant{
		grant("a-1", "acct-a", "ra-1", time.Hour),
		grant("a-2", "acct-a", "", time.Hour),
		grant("a-3", "acct-a", "", time.Hour),
		grant("a-old", "acct-a", "", time.Minute),
		grant("b-1", "acct-b", "rb-1", time.Hour),
	} {
		must(t, s.CreateGrant(ctx, g), "CreateGrant "+g.ID)
	}
	must(t, s.UpdateGrant(ctx, "a-3", func(g store.Grant) (store.Grant, error) {
		g.Revoked = true
		return g, nil
	}), "UpdateGrant revoke a-3")
	clk.Advance(2 * time.Minute) // a-old expires

	n, err := s.RevokeGrantsByAccount(ctx, "acct-a")
	must(t, err, "RevokeGrantsByAccount")
	if n != 2 {
		t.Errorf("RevokeGrantsByAccount = %d, want 2 (a-1, a-2; a-3 was revoked, a-old expired)", n)
	}
	for _, id := range []string{"a-1", "a-2", "a-3"} {
		g, err := s.GetGrant(ctx, id)
		must(t, err, "GetGrant "+id)
		if !g.Revoked {
			t.Errorf("grant %s not revoked", id)
		}
	}
	g, err := s.GetGrantByRefreshHash(ctx, "b-1", store.HashToken("rb-1"))
	must(t, err, "GetGrant b-1")
	if g.Revoked {
		t.Error("another account's grant was revoked")
	}
	n, err = s.RevokeGrantsByAccount(ctx, "acct-a")
	must(t, err, "RevokeGrantsByAccount again")
	if n != 0 {
		t.Errorf("RevokeGrantsByAccount again = %d, want 0", n)
	}
	n, err = s.RevokeGrantsByAccount(ctx, "acct-none")
	must(t, err, "RevokeGrantsByAccount unknown account")
	if n != 0 {
		t.Errorf("RevokeGrantsByAccount unknown account = %d, want 0", n)
	}
}

// testGrantWithAccount: GetGrantWithAccount answers as GetGrant then
// GetAccount would: a missing or expired grant is ErrNotFound, a revoked
// one is returned, and a grant whose account is missing is ErrNotFound
// with the grant; an account changed since the last read reads changed.
func testGrantWithAccount(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	a := account("acct-1")
	must(t, s.CreateAccount(ctx, a, link("gckey", "subj-1", "acct-1")), "CreateAccount")
	g := grant("g-1", "acct-1", "rt-1", time.Hour)
	orphan := grant("g-orphan", "acct-none", "", time.Hour)
	for _, g := range []store.Grant{g, orphan, grant("g-short", "acct-1", "", time.Minute)} {
		must(t, s.CreateGrant(ctx, g), "CreateGrant "+g.ID)
	}

	gotG, gotA, err := s.GetGrantWithAccount(ctx, "g-1")
	must(t, err, "GetGrantWithAccount")
	same(t, gotG, g, "GetGrantWithAccount grant")
	same(t, gotA, a, "GetGrantWithAccount account")

	_, _, err = s.GetGrantWithAccount(ctx, "g-9")
	wantErr(t, err, store.ErrNotFound, "GetGrantWithAccount of a missing grant")

	gotG, _, err = s.GetGrantWithAccount(ctx, "g-orphan")
	wantErr(t, err, store.ErrNotFound, "GetGrantWithAccount of a grant whose account is missing")
	if gotG.ID != orphan.ID {
		t.Errorf("GetGrantWithAccount of a grant whose account is missing: grant %q, want %q", gotG.ID, orphan.ID)
	}

	must(t, s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
		a.GivenName = "Marguerite"
		return a, nil
	}), "UpdateAccount")
	must(t, s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
		g.Revoked = true
		return g, nil
	}), "UpdateGrant revoke")
	gotG, gotA, err = s.GetGrantWithAccount(ctx, "g-1")
	must(t, err, "GetGrantWithAccount of a revoked grant")
	wantG, err := s.GetGrant(ctx, "g-1")
	must(t, err, "GetGrant of a revoked grant")
	same(t, gotG, wantG, "GetGrantWithAccount of a revoked grant")
	if !gotG.Revoked {
		t.Error("GetGrantWithAccount: revocation not read")
	}
	if gotA.GivenName != "Marguerite" {
		t.Errorf("GetGrantWithAccount after the account's update: given name %q", gotA.GivenName)
	}

	clk.Advance(2 * time.Minute) // g-short expires
	_, err = s.GetGrant(ctx, "g-short")
	wantErr(t, err, store.ErrNotFound, "GetGrant of an expired grant")
	_, _, err = s.GetGrantWithAccount(ctx, "g-short")
	wantErr(t, err, store.ErrNotFound, "GetGrantWithAccount of an expired grant")
}

package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testSweepSpent: spent records go before their expiry. A revoked grant
// is dated by the store on every path that revokes (UpdateGrant,
// RevokeGrantsByAccount) and swept store.RevokedGrantKept after that, its
// refresh hashes with it; a consumed one-time code goes at the next
// Sweep. Live grants and usable codes stay.
func testSweepSpent(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	for _, g := range []store.Grant{
		grant("g-revoked", "acct-a", "rt-revoked", 8*time.Hour),
		grant("g-live", "acct-a", "rt-live", 8*time.Hour),
		grant("g-b", "acct-b", "rt-b", 8*time.Hour),
		grant("g-short", "acct-c", "rt-short", 5*time.Minute),
	} {
		must(t, s.CreateGrant(ctx, g), "CreateGrant "+g.ID)
	}
	for _, id := range []string{"otp-used", "otp-burnt", "otp-live"} {
		must(t, s.CreateOTP(ctx, otp(id, "acct-a", time.Hour)), "CreateOTP "+id)
	}
	for _, id := range []string{"otp-used", "otp-burnt"} {
		must(t, s.UpdateOTP(ctx, id, func(o store.OTP) (store.OTP, error) {
			o.Consumed = true
			return o, nil
		}), "consume "+id)
	}
	revoke := func(id string) {
		t.Helper()
		must(t, s.UpdateGrant(ctx, id, func(g store.Grant) (store.Grant, error) {
			g.Revoked = true
			return g, nil
		}), "revoke "+id)
	}
	revoke("g-revoked") // at epoch
	revoke("g-short")   // expires before it would be swept as revoked
	clk.Advance(time.Minute)
	revoke("g-revoked") // again: the first date stays
	clk.Advance(4 * time.Minute)
	n, err := s.RevokeGrantsByAccount(ctx, "acct-b") // at epoch+5m
	must(t, err, "RevokeGrantsByAccount")
	if n != 1 {
		t.Fatalf("RevokeGrantsByAccount = %d, want 1", n)
	}
	for id, at := range map[string]time.Time{"g-revoked": epoch, "g-b": epoch.Add(5 * time.Minute)} {
		g, err := s.GetGrant(ctx, id)
		must(t, err, "GetGrant "+id)
		if !g.Revoked || !g.RevokedAt.Equal(at) {
			t.Errorf("%s: revoked %v at %v, want revoked at %v", id, g.Revoked, g.RevokedAt, at)
		}
	}
	live, err := s.GetGrant(ctx, "g-live")
	must(t, err, "GetGrant g-live")
	if !live.RevokedAt.IsZero() {
		t.Errorf("a grant never revoked has RevokedAt %v", live.RevokedAt)
	}

	sweep := func(at time.Time, want int, what string) {
		t.Helper()
		n, err := s.Sweep(ctx, at)
		must(t, err, "Sweep "+what)
		if n != want {
			t.Errorf("Sweep %s = %d, want %d", what, n, want)
		}
	}
	// Still before any revoked grant's time: the consumed codes go.
	sweep(epoch.Add(store.RevokedGrantKept-time.Second), 2+1, "while the revoked grants are kept (two codes, the short grant)")
	for _, id := range []string{"otp-used", "otp-burnt"} {
		_, err := readOTP(t, s, id)
		wantErr(t, err, store.ErrNotFound, "consumed code "+id+" after Sweep")
	}
	_, err = readOTP(t, s, "otp-live")
	must(t, err, "usable code after Sweep")
	for _, id := range []string{"g-revoked", "g-b"} {
		_, err := s.GetGrant(ctx, id)
		must(t, err, "revoked grant "+id+" within RevokedGrantKept")
	}

	sweep(epoch.Add(store.RevokedGrantKept+time.Second), 1, "after the first revoked grant's time")
	_, err = s.GetGrant(ctx, "g-revoked")
	wantErr(t, err, store.ErrNotFound, "revoked grant after its time")
	_, err = s.GetGrantByRefreshHash(ctx, "g-revoked", store.HashToken("rt-revoked"))
	wantErr(t, err, store.ErrNotFound, "refresh hash of a swept revoked grant")
	_, err = s.GetGrant(ctx, "g-b")
	must(t, err, "grant revoked five minutes later")

	sweep(epoch.Add(5*time.Minute+store.RevokedGrantKept+time.Second), 1, "after the second revoked grant's time")
	_, err = s.GetGrant(ctx, "g-b")
	wantErr(t, err, store.ErrNotFound, "grant revoked by account after its time")
	got, err := s.GetGrantByRefreshHash(ctx, "g-live", store.HashToken("rt-live"))
	must(t, err, "live grant after the sweeps")
	same(t, got, live, "live grant after the sweeps")
	// The swept grant's refresh hash is free again.
	must(t, s.CreateGrant(ctx, grant("g-new", "acct-a", "rt-revoked", time.Hour)), "CreateGrant with a swept grant's hash")
}

package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testExpiredIsNotFound: a transient record past its ExpiresAt reads and
// updates as missing before any Sweep, and its update function never runs.
func testExpiredIsNotFound(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, authRequest("ar-1", 10*time.Minute)), "CreateAuthRequest")
	must(t, s.CreateSession(ctx, session("cookie-1", "acct-1", 10*time.Minute)), "CreateSession")
	must(t, s.CreateGrant(ctx, grant("g-1", "acct-1", "rt-1", 10*time.Minute)), "CreateGrant")

	clk.Advance(10*time.Minute - time.Second)
	_, err := s.GetAuthRequest(ctx, "ar-1")
	must(t, err, "GetAuthRequest just before expiry")
	_, err = s.GetSession(ctx, store.HashToken("cookie-1"))
	must(t, err, "GetSession just before expiry")
	_, err = s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-1"))
	must(t, err, "GetGrantByRefreshHash just before expiry")
	must(t, s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Done = true
		return r, nil
	}), "UpdateAuthRequest just before expiry")

	clk.Advance(2 * time.Second)
	called := false
	_, err = s.GetAuthRequest(ctx, "ar-1")
	wantErr(t, err, store.ErrNotFound, "GetAuthRequest expired")
	wantErr(t, s.UpdateAuthRequest(ctx, "ar-1", flagCall[store.AuthRequest](&called)), store.ErrNotFound, "UpdateAuthRequest expired")
	_, err = s.GetSession(ctx, store.HashToken("cookie-1"))
	wantErr(t, err, store.ErrNotFound, "GetSession expired")
	wantErr(t, s.UpdateSession(ctx, store.HashToken("cookie-1"), flagCall[store.Session](&called)), store.ErrNotFound, "UpdateSession expired")
	_, err = s.GetGrant(ctx, "g-1")
	wantErr(t, err, store.ErrNotFound, "GetGrant expired")
	_, err = s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-1"))
	wantErr(t, err, store.ErrNotFound, "GetGrantByRefreshHash expired")
	wantErr(t, s.UpdateGrant(ctx, "g-1", flagCall[store.Grant](&called)), store.ErrNotFound, "UpdateGrant expired")
	if called {
		t.Error("an update function ran on an expired record")
	}
}

// testUpdateErrorWritesNothing: when fn fails, its error comes back and
// neither the record nor any index changes.
func testUpdateErrorWritesNothing(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateClient(ctx, client("portal")), "CreateClient")
	must(t, s.CreateSigningKey(ctx, signingKey("k1")), "CreateSigningKey")
	must(t, s.CreateAccount(ctx, account("acct-1"), link("gckey", "s1", "acct-1")), "CreateAccount")
	must(t, s.CreateAuthRequest(ctx, authRequest("ar-1", time.Hour)), "CreateAuthRequest")
	must(t, s.CreateGrant(ctx, grant("g-1", "acct-1", "rt-1", time.Hour)), "CreateGrant")
	must(t, s.CreateSession(ctx, session("cookie-1", "acct-1", time.Hour)), "CreateSession")

	wantErr(t, s.UpdateClient(ctx, "portal", func(c store.Client) (store.Client, error) {
		c.Name = nil
		return c, errRefused
	}), errRefused, "UpdateClient")
	wantErr(t, s.UpdateSigningKey(ctx, "k1", func(k store.SigningKey) (store.SigningKey, error) {
		k.RetiredAt = epoch
		return k, errRefused
	}), errRefused, "UpdateSigningKey")
	wantErr(t, s.UpdateAccount(ctx, "acct-1", func(a store.Account) (store.Account, error) {
		a.URN, a.Email = "URN-new", "x@example.ca"
		return a, errRefused
	}), errRefused, "UpdateAccount")
	wantErr(t, s.UpdateAuthRequest(ctx, "ar-1", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Done, r.CodeHash = true, store.HashToken("code-1")
		return r, errRefused
	}), errRefused, "UpdateAuthRequest")
	wantErr(t, s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
		g.RefreshHash, g.Revoked = store.HashToken("rt-2"), true
		return g, errRefused
	}), errRefused, "UpdateGrant")
	wantErr(t, s.UpdateSession(ctx, store.HashToken("cookie-1"), func(x store.Session) (store.Session, error) {
		x.ACR = "loa4"
		return x, errRefused
	}), errRefused, "UpdateSession")

	gotClient, err := s.GetClient(ctx, "portal")
	must(t, err, "GetClient")
	same(t, gotClient, client("portal"), "client after refused update")
	keys, err := s.ListSigningKeys(ctx)
	must(t, err, "ListSigningKeys")
	same(t, keys, []store.SigningKey{signingKey("k1")}, "signing key after refused update")
	gotAccount, err := s.GetAccountByURN(ctx, "URN-acct-1")
	must(t, err, "GetAccountByURN")
	same(t, gotAccount, account("acct-1"), "account after refused update")
	_, err = s.GetAccountByURN(ctx, "URN-new")
	wantErr(t, err, store.ErrNotFound, "URN of a refused update")
	gotReq, err := s.GetAuthRequest(ctx, "ar-1")
	must(t, err, "GetAuthRequest")
	same(t, gotReq, authRequest("ar-1", time.Hour), "auth request after refused update")
	gotGrant, err := s.GetGrant(ctx, "g-1")
	must(t, err, "GetGrant")
	same(t, gotGrant, grant("g-1", "acct-1", "rt-1", time.Hour), "grant after refused update")
	_, err = s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-2"))
	wantErr(t, err, store.ErrNotFound, "refresh hash of a refused update")
	gotSession, err := s.GetSession(ctx, store.HashToken("cookie-1"))
	must(t, err, "GetSession")
	same(t, gotSession, session("cookie-1", "acct-1", time.Hour), "session after refused update")
}

// testSweep: Sweep deletes exactly the records expired at the time it is
// given (not the store's clock) and counts them.
func testSweep(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	short, long := time.Minute, 2*time.Hour
	oldKey, futureKey := signingKey("k-old"), signingKey("k-future")
	oldKey.ExpiresAt, futureKey.ExpiresAt = epoch.Add(short), epoch.Add(long)
	for _, err := range []error{
		s.CreateClient(ctx, client("portal")),
		s.CreateAccount(ctx, account("acct-1"), link("gckey", "s1", "acct-1")),
		s.CreateAuthRequest(ctx, authRequest("ar-old", short)),
		s.CreateAuthRequest(ctx, authRequest("ar-live", long)),
		s.CreateSession(ctx, session("cookie-old", "acct-1", short)),
		s.CreateSession(ctx, session("cookie-live", "acct-1", long)),
		s.CreateGrant(ctx, grant("g-old", "acct-1", "rt-old", short)),
		s.CreateGrant(ctx, grant("g-live", "acct-1", "rt-live", long)),
		s.CreateSigningKey(ctx, signingKey("k-current")),
		s.CreateSigningKey(ctx, oldKey),
		s.CreateSigningKey(ctx, futureKey),
	} {
		must(t, err, "setup")
	}

	n, err := s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep")
	if n != 4 {
		t.Errorf("Sweep = %d, want 4 (auth request, session, grant, signing key)", n)
	}
	n, err = s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep again")
	if n != 0 {
		t.Errorf("Sweep again = %d, want 0", n)
	}

	// The store's own clock still says epoch: only deletion explains
	// a missing record now.
	_, err = s.GetAuthRequest(ctx, "ar-old")
	wantErr(t, err, store.ErrNotFound, "swept auth request")
	_, err = s.GetSession(ctx, store.HashToken("cookie-old"))
	wantErr(t, err, store.ErrNotFound, "swept session")
	_, err = s.GetGrant(ctx, "g-old")
	wantErr(t, err, store.ErrNotFound, "swept grant")

	_, err = s.GetClient(ctx, "portal")
	must(t, err, "client survives Sweep")
	_, err = s.GetAccount(ctx, "acct-1")
	must(t, err, "account survives Sweep")
	_, err = s.GetLink(ctx, "gckey", "s1")
	must(t, err, "link survives Sweep")
	_, err = s.GetAuthRequest(ctx, "ar-live")
	must(t, err, "live auth request survives Sweep")
	_, err = s.GetSession(ctx, store.HashToken("cookie-live"))
	must(t, err, "live session survives Sweep")
	_, err = s.GetGrantByRefreshHash(ctx, "g-live", store.HashToken("rt-live"))
	must(t, err, "live grant survives Sweep")
	keys, err := s.ListSigningKeys(ctx)
	must(t, err, "ListSigningKeys")
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	same(t, keys, []store.SigningKey{signingKey("k-current"), futureKey}, "signing keys after Sweep")
}

// testSweepIndexes: Sweep removes a grant's refresh index entries (every
// rotation) and the per-account entries with the records, so the keys
// are free again and account-wide operations no longer see them.
func testSweepIndexes(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.CreateGrant(ctx, grant("g-old", "acct-1", "rt-0", time.Minute)), "CreateGrant")
	must(t, s.UpdateGrant(ctx, "g-old", func(g store.Grant) (store.Grant, error) {
		g.RefreshHash = store.HashToken("rt-1")
		return g, nil
	}), "UpdateGrant rotation")
	must(t, s.CreateSession(ctx, session("cookie-old", "acct-1", time.Minute)), "CreateSession")

	n, err := s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep")
	if n != 2 {
		t.Errorf("Sweep = %d, want 2", n)
	}
	for _, rt := range []string{"rt-0", "rt-1"} {
		_, err := s.GetGrantByRefreshHash(ctx, "g-old", store.HashToken(rt))
		wantErr(t, err, store.ErrNotFound, "refresh hash "+rt+" of a swept grant")
	}
	revoked, err := s.RevokeGrantsByAccount(ctx, "acct-1")
	must(t, err, "RevokeGrantsByAccount")
	if revoked != 0 {
		t.Errorf("RevokeGrantsByAccount after Sweep = %d, want 0", revoked)
	}
	ended, err := s.DeleteSessionsByAccount(ctx, "acct-1")
	must(t, err, "DeleteSessionsByAccount")
	if ended != 0 {
		t.Errorf("DeleteSessionsByAccount after Sweep = %d, want 0", ended)
	}

	must(t, s.CreateGrant(ctx, grant("g-new", "acct-2", "rt-0", time.Hour)), "CreateGrant reusing a swept refresh hash")
	got, err := s.GetGrantByRefreshHash(ctx, "g-new", store.HashToken("rt-0"))
	must(t, err, "GetGrantByRefreshHash reused")
	if got.ID != "g-new" {
		t.Errorf("reused refresh hash resolves to %q", got.ID)
	}
	// A stale entry under the swept grant's ID would hand its tokens to
	// a grant created with that ID.
	must(t, s.CreateGrant(ctx, grant("g-old", "acct-1", "", time.Hour)), "CreateGrant reusing a swept ID")
	for _, rt := range []string{"rt-0", "rt-1"} {
		_, err := s.GetGrantByRefreshHash(ctx, "g-old", store.HashToken(rt))
		wantErr(t, err, store.ErrNotFound, "refresh hash "+rt+" of the swept grant under a new grant of its ID")
	}
	must(t, s.CreateSession(ctx, session("cookie-old", "acct-1", time.Hour)), "CreateSession reusing a swept hash")
	revoked, err = s.RevokeGrantsByAccount(ctx, "acct-1")
	must(t, err, "RevokeGrantsByAccount after re-create")
	if revoked != 1 {
		t.Errorf("RevokeGrantsByAccount after re-create = %d, want 1", revoked)
	}
}

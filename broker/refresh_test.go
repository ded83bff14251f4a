package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/store"
)

// TestAttackRefreshTokenNamingAGrant: a refresh token names its grant,
// whose ID is also the prefix of the code that went through alex's
// browser. Someone who saw that code and holds a client's credentials
// (alex's relying party's or another's) presents refresh tokens that name
// alex's grant with secrets of their own: each is invalid_grant, never
// taken for a rotated-away token, so alex's grant is not revoked and
// alex's refresh token still works.
func TestAttackRefreshTokenNamingAGrant(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	grantID, _, ok := strings.Cut(tok.RefreshToken, ".")
	if !ok {
		t.Fatalf("the refresh token %q does not name its grant", tok.RefreshToken)
	}
	for _, client := range []string{"rp1", "rp2"} {
		for _, forged := range []string{grantID + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", grantID + ".x", grantID + "."} {
			status, _, body := e.postForm("/oauth/token", client, rpSecret,
				url.Values{"grant_type": {"refresh_token"}, "refresh_token": {forged}})
			if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("%s presenting %q: %d %v, want invalid_grant", client, forged, status, body)
			}
		}
	}
	if g, err := e.store.GetGrant(t.Context(), grantID); err != nil || g.Revoked {
		t.Fatalf("alex's grant after the forged tokens: revoked %v, %v", g.Revoked, err)
	}
	if _, err := e.refresh(r, tok.RefreshToken); err != nil {
		t.Errorf("alex's refresh token after the forged ones: %v", err)
	}
}

// TestRefreshTokenRotation: a refresh token that names its grant
// refreshes into another; that one refreshes in turn; and the first,
// rotated away, revokes the grant when it comes back.
func TestRefreshTokenRotation(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) { checkRotation(t, e, "named") })
}

// TestLegacyRefreshTokenRotationPostgres: a refresh token of the form
// issued before refresh tokens named their grant (a bare secret, found
// by its hash alone) still refreshes, into a token that names the grant,
// and the bare one, rotated away, revokes the grant when it comes back.
// On PostgreSQL, whose refresh_hashes table finds any hash by itself; a
// bbolt file finds only the hashes an earlier version indexed
// (store/bolt's TestLegacyRefreshIndex).
func TestLegacyRefreshTokenRotationPostgres(t *testing.T) {
	e, _ := postgresEnv(t, nil)
	checkRotation(t, e, "bare")
}

// checkRotation, at e's broker, gives alex's grant a bare refresh
// token (reuse "bare") or keeps the one it got, refreshes it,
// refreshes the token that came back, and presents the bare one (reuse
// "bare") or the first named one (reuse "named") again: reuse, and the
// family is revoked.
func checkRotation(t *testing.T, e *env, reuse string) {
	t.Helper()
	r := e.rp("rp1")
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	grantID, _, _ := strings.Cut(tok.RefreshToken, ".")
	first := tok.RefreshToken
	if reuse == "bare" {
		first = "0123456789abcdefghijklmnopqrstuvwxyz-bare"
		err := e.store.UpdateGrant(t.Context(), grantID, func(g store.Grant) (store.Grant, error) {
			g.RefreshHash = store.HashToken(first)
			return g, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	next, err := e.refresh(r, first)
	if err != nil {
		t.Fatalf("the %s refresh token: %v", reuse, err)
	}
	if id, _, _ := strings.Cut(next.RefreshToken, "."); id != grantID {
		t.Fatalf("the %s token rotated into %q, which does not name grant %s", reuse, next.RefreshToken, grantID)
	}
	last, err := e.refresh(r, next.RefreshToken)
	if err != nil {
		t.Fatalf("the named refresh token: %v", err)
	}
	if _, err := e.refresh(r, first); err == nil || !strings.Contains(err.Error(), "reused") {
		t.Errorf("the %s token presented again: %v, want reuse", reuse, err)
	}
	if _, err := e.refresh(r, last.RefreshToken); err == nil {
		t.Errorf("after the %s token's reuse the family still refreshes", reuse)
	}
}

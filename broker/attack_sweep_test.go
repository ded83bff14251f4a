package broker_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// TestAttackCodeOutlivesNoSweptGrant: Sweep deletes a revoked grant
// before its expiry (store.RevokedGrantKept after the revocation). A
// grant's ID is its auth request's, so if the grant went while the code
// that made it still lived, a stolen copy of that code would mint the
// grant again. With codes at their longest lifetime, the relying party
// revokes at once; the attacker presents the code just before it
// expires, after a sweep, and again once the grant is swept: both are
// invalid_grant and no token works again.
func TestAttackCodeOutlivesNoSweptGrant(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Tokens.Code = store.MaxCodeLifetime })
	r := e.rp("rp1")
	a, code := e.gckeyCode(r)
	tok, err := r.exchange(code, a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	grantID, _, _ := strings.Cut(tok.RefreshToken, ".")
	g, err := e.store.GetGrantByRefreshHash(ctx, grantID, store.HashToken(tok.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := e.postForm("/revoke", "rp1", rpSecret, url.Values{"token": {tok.RefreshToken}}); status != http.StatusOK {
		t.Fatalf("revoke: %d %v", status, body)
	}
	sweepAndRedeem := func(when string) {
		t.Helper()
		if _, err := e.store.Sweep(ctx, e.clock.Now()); err != nil {
			t.Fatalf("Sweep %s: %v", when, err)
		}
		if status, _, body := e.redeem(code, a.verifier); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("the code again %s: %d %v, want 400 invalid_grant", when, status, body["error"])
		}
		if _, err := e.refresh(r, tok.RefreshToken); err == nil {
			t.Errorf("the revoked refresh token works %s", when)
		}
	}

	e.clock.Advance(store.MaxCodeLifetime - time.Second)
	sweepAndRedeem("a second before the code expires")
	if _, err := e.store.GetGrant(ctx, g.ID); err != nil {
		t.Errorf("the revoked grant was swept while its code lived: %v", err)
	}

	e.clock.Advance(store.RevokedGrantKept - store.MaxCodeLifetime + 2*time.Second)
	sweepAndRedeem("once the revoked grant is swept")
	if _, err := e.store.GetGrant(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the revoked grant after RevokedGrantKept: %v, want it swept", err)
	}
}

package saml

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// replayCache is the library's AssertionReplayCache for one message: the
// IDs of consumed assertions (and, with the library's prefix, of IdP
// LogoutRequests) are marked in the broker's store through its one-time
// counter (providers.Hits, the store's Hit), so every replica refuses an
// ID any of them has consumed (saml-profiles-2.0-os §4.1.4.5). The store
// makes the mark atomic: of two concurrent consumptions of one ID exactly
// one sees the count 1.
//
// The key is the provider ID and a SHA-256 of the assertion ID, so its
// length does not depend on what the IdP sends; the mark lasts until the
// assertion is no longer acceptable (the library's until) plus
// MaxClockSkew, so clocks of replicas and of the store that differ by
// less than that cannot reopen it early. Only assertions that passed
// every signature and condition check reach it: only the IdP can add
// marks, each lives minutes, and Sweep removes them with the store's
// other expired records.
type replayCache struct {
	ctx      context.Context
	hits     providers.Hits
	provider string
	now      func() time.Time
}

// errNoReplayStore: the broker has not given the provider its store yet
// (SetReplayStore); a sign-in is refused rather than left unprotected.
var errNoReplayStore = errors.New("no replay store: assertion IDs cannot be recorded")

// Consume marks id until until, or returns crewsaml.ErrAssertionReplayed.
func (c replayCache) Consume(id string, until time.Time) error {
	if c.hits == nil {
		return errNoReplayStore
	}
	sum := sha256.Sum256([]byte(id))
	key := "saml-id:" + c.provider + ":" + hex.EncodeToString(sum[:])
	window := max(until.Sub(c.now()), 0) + MaxClockSkew
	n, err := c.hits.Hit(c.ctx, key, window)
	if err != nil {
		return fmt.Errorf("replay store: %w", err)
	}
	if n > 1 {
		return crewsaml.ErrAssertionReplayed
	}
	return nil
}

// SetReplayStore is how the broker gives the provider the store that
// keeps consumed assertion IDs (its Hit), at start-up and at each
// reload. Until it is given, every response is refused.
func (p *Provider) SetReplayStore(h providers.Hits) {
	p.hits.Store(&h)
}

// replayFor is the replay cache of one message handled under ctx.
func (p *Provider) replayFor(ctx context.Context) replayCache {
	c := replayCache{ctx: ctx, provider: p.id, now: p.now}
	if h := p.hits.Load(); h != nil {
		c.hits = *h
	}
	return c
}

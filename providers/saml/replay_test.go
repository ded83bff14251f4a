package saml

import (
	"errors"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store/postgres"
)

// replica opens a second Provider over ti's configuration and IdP, as
// another Passerelle replica, with hits as its store.
func replica(t *testing.T, ti *testIdP, hits providers.Hits) *Provider {
	t.Helper()
	p, err := Open("gckey", ti.p.cfg, Options{URLs: ti.urls(), Hits: hits})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplayAcrossReplicas: an assertion consumed by one replica is
// refused by another that shares the store: the replay cache is the
// store's, not a process's. Both PostgreSQL replicas have their own
// connection pool on one schema, as two servers would.
func TestReplayAcrossReplicas(t *testing.T) {
	ti := newTestIdP(t, env{})
	dsn := pgtest.Schema(t)
	var stores [2]providers.Hits
	for i := range stores {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	first, second := replica(t, ti, stores[0]), replica(t, ti, stores[1])
	flow := testFlow("1")
	form := ti.signIn(flow)
	ti.p = first
	if _, _, err := ti.post(flow, form); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	ti.p = second
	_, _, err := ti.post(flow, form)
	if !errors.Is(err, providers.ErrUpstream) || !errors.Is(err, crewsaml.ErrAssertionReplayed) {
		t.Fatalf("second replica accepted or refused otherwise: %v", err)
	}
}

// TestReplayWithoutStore: a provider the broker has not given its store
// refuses every response rather than accept one it could not record.
func TestReplayWithoutStore(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	form := ti.signIn(flow)
	ti.p = replica(t, ti, nil)
	_, _, err := ti.post(flow, form)
	if !errors.Is(err, providers.ErrUpstream) || !errors.Is(err, errNoReplayStore) {
		t.Fatalf("got %v, want a refusal for the missing replay store", err)
	}
}

// TestReplayMarkOutlivesAssertion: in a real store, the mark lasts as
// long as the assertion could be accepted plus MaxClockSkew, so a replica
// or store clock behind by less than that cannot reopen it; then Sweep
// may remove it.
func TestReplayMarkOutlivesAssertion(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time { return now }
	c := replayCache{ctx: t.Context(), provider: "gckey", now: clock, hits: boltHits(t, clock)}
	until := now.Add(5 * time.Minute)
	if err := c.Consume("id-1", until); err != nil {
		t.Fatal(err)
	}
	now = until.Add(MaxClockSkew - time.Second)
	if err := c.Consume("id-1", until); !errors.Is(err, crewsaml.ErrAssertionReplayed) {
		t.Fatalf("within the skew after the assertion's end: %v", err)
	}
	if err := c.Consume("id-2", until); err != nil {
		t.Fatalf("another ID: %v", err)
	}
	now = until.Add(MaxClockSkew + time.Second)
	if err := c.Consume("id-1", until); err != nil {
		t.Fatalf("after the mark ended (the assertion's own expiry refuses it now): %v", err)
	}
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// NewRetainingStore is NewStore for a store that applies a retention.
type NewRetainingStore func(t *testing.T, now func() time.Time, r store.Retention) store.Store

// RunRetention runs the retention suite: Sweep deletes audit events past
// their retention and forgets refresh hashes rotated away long enough
// ago, on an injected clock.
func RunRetention(t *testing.T, newStore NewRetainingStore) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, NewRetainingStore)
	}{
		{"AuditEvents", testRetainAudit},
		{"RefreshHistory", testRetainRefresh},
		{"NoRetention", testRetainNothing},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore) })
	}
}

// day is the unit of audit retention.
const day = 24 * time.Hour

// testRetainAudit: with 400 days of audit retention, Sweep deletes the
// events older than that (and counts them), in batches, and keeps the
// rest in order.
func testRetainAudit(t *testing.T, newStore NewRetainingStore) {
	c := &clock{now: epoch}
	s := newStore(t, c.Now, store.Retention{AuditEvents: 400 * day})
	ctx := t.Context()
	const old = 600 // more than one sweep batch on either backend
	for i := range old {
		must(t, s.AppendAudit(ctx, auditEvent("old-"+itoa(i), epoch.Add(-500*day+time.Duration(i)*time.Second))), "AppendAudit old")
	}
	kept := []store.AuditEvent{
		auditEvent("kept-399", epoch.Add(-399*day)),
		auditEvent("kept-now", epoch),
	}
	must(t, s.AppendAudit(ctx, auditEvent("gone-401", epoch.Add(-401*day))), "AppendAudit")
	for _, e := range kept {
		must(t, s.AppendAudit(ctx, e), "AppendAudit")
	}
	n, err := s.Sweep(ctx, epoch)
	must(t, err, "Sweep")
	if n != old+1 {
		t.Errorf("Sweep = %d, want %d (the events older than 400 days)", n, old+1)
	}
	got, err := s.ListAudit(ctx, time.Time{}, 0)
	must(t, err, "ListAudit")
	same(t, got, kept, "audit events after Sweep")

	// A day later, the 399-day-old event is 400 days old plus a second.
	c.Advance(day + time.Second)
	n, err = s.Sweep(ctx, c.Now())
	must(t, err, "Sweep a day later")
	if n != 1 {
		t.Errorf("Sweep a day later = %d, want 1", n)
	}
}

// testRetainRefresh: with an hour of refresh history, a refresh token
// rotated away more than an hour before the sweep is forgotten (unknown,
// no longer a reuse that finds its grant); one rotated away since, and
// the current one, still find the grant.
func testRetainRefresh(t *testing.T, newStore NewRetainingStore) {
	c := &clock{now: epoch}
	s := newStore(t, c.Now, store.Retention{RefreshHistory: time.Hour})
	ctx := t.Context()
	rotate := func(to string) {
		t.Helper()
		must(t, rotateRefresh(ctx, s, "g", to), "rotate to "+to)
	}
	must(t, s.CreateGrant(ctx, grant("g", "acct-1", "rt-0", 8*time.Hour)), "CreateGrant")
	rotate("rt-1") // rt-0 rotated away at epoch
	c.Advance(30 * time.Minute)
	rotate("rt-2") // rt-1 rotated away at epoch+30m
	c.Advance(31 * time.Minute)

	n, err := s.Sweep(ctx, c.Now())
	must(t, err, "Sweep")
	if n != 0 {
		t.Errorf("Sweep = %d, want 0 (forgotten refresh hashes are not records)", n)
	}
	_, err = s.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-0"))
	wantErr(t, err, store.ErrNotFound, "refresh token rotated away 61 minutes ago")
	for _, rt := range []string{"rt-1", "rt-2"} {
		g, err := s.GetGrantByRefreshHash(ctx, "g", store.HashToken(rt))
		must(t, err, "GetGrantByRefreshHash "+rt)
		if g.ID != "g" {
			t.Errorf("%s resolves to %q", rt, g.ID)
		}
	}
	// A forgotten hash is free: another grant may hold it.
	must(t, s.CreateGrant(ctx, grant("g2", "acct-1", "rt-0", time.Hour)), "CreateGrant with a forgotten hash")

	// Coming back to a rotated-away hash makes it current again: it is
	// not forgotten with the history.
	rotate("rt-1")
	c.Advance(2 * time.Hour)
	_, err = s.Sweep(ctx, c.Now())
	must(t, err, "Sweep later")
	g, err := s.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-1"))
	must(t, err, "current hash after the later Sweep")
	if g.ID != "g" {
		t.Errorf("rt-1 resolves to %q", g.ID)
	}
	_, err = s.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-2"))
	wantErr(t, err, store.ErrNotFound, "rt-2, rotated away two hours ago")
}

// testRetainNothing: the zero Retention deletes no audit event and
// forgets no refresh hash, however old.
func testRetainNothing(t *testing.T, newStore NewRetainingStore) {
	c := &clock{now: epoch}
	s := newStore(t, c.Now, store.Retention{})
	ctx := t.Context()
	must(t, s.AppendAudit(ctx, auditEvent("ancient", epoch.Add(-5000*day))), "AppendAudit")
	must(t, s.CreateGrant(ctx, grant("g", "acct-1", "rt-0", 8*time.Hour)), "CreateGrant")
	must(t, rotateRefresh(ctx, s, "g", "rt-1"), "rotate")
	c.Advance(7 * time.Hour)
	n, err := s.Sweep(ctx, c.Now())
	must(t, err, "Sweep")
	if n != 0 {
		t.Errorf("Sweep = %d, want 0", n)
	}
	_, err = s.GetGrantByRefreshHash(ctx, "g", store.HashToken("rt-0"))
	must(t, err, "old refresh hash without retention")
	got, err := s.ListAudit(ctx, time.Time{}, 0)
	must(t, err, "ListAudit")
	if len(got) != 1 {
		t.Errorf("ListAudit = %d events, want 1", len(got))
	}
}

// rotateRefresh rotates grant id's refresh token to the one whose hash
// is store.HashToken(to).
func rotateRefresh(ctx context.Context, s store.Store, id, to string) error {
	return s.UpdateGrant(ctx, id, func(g store.Grant) (store.Grant, error) {
		g.RefreshHash = store.HashToken(to)
		return g, nil
	})
}

// itoa is a zero-padded decimal to keep IDs in order.
func itoa(i int) string {
	const digits = "0123456789"
	b := []byte("00000")
	for p := len(b) - 1; p >= 0 && i > 0; p-- {
		b[p] = digits[i%10]
		i /= 10
	}
	return string(b)
}

package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testSweepMFA: Sweep deletes expired one-time codes and Hit windows that
// ended before the time it is given, counts them, and keeps factors and
// audit events (however old).
func testSweepMFA(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	oldEvent := auditEvent("ev-old", epoch.Add(-48*time.Hour))
	f := factor("f-1", "acct-1", store.FactorTOTP, epoch.Add(-48*time.Hour))
	for _, err := range []error{
		s.CreateOTP(ctx, otp("otp-old", "acct-1", time.Minute)),
		s.CreateOTP(ctx, otp("otp-live", "acct-1", 2*time.Hour)),
		s.CreateFactor(ctx, f),
		s.AppendAudit(ctx, oldEvent),
	} {
		must(t, err, "setup")
	}
	for _, h := range []struct {
		key    string
		window time.Duration
	}{{"h-old", time.Minute}, {"h-old", time.Minute}, {"h-live", 2 * time.Hour}} {
		_, err := s.Hit(ctx, h.key, h.window)
		must(t, err, "Hit "+h.key)
	}

	n, err := s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep")
	if n != 2 {
		t.Errorf("Sweep = %d, want 2 (one-time code, Hit window)", n)
	}
	n, err = s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep again")
	if n != 0 {
		t.Errorf("Sweep again = %d, want 0", n)
	}

	// The store's own clock still says epoch: only deletion explains a
	// missing code or a counter starting over.
	_, err = readOTP(t, s, "otp-old")
	wantErr(t, err, store.ErrNotFound, "swept one-time code")
	_, err = readOTP(t, s, "otp-live")
	must(t, err, "live one-time code survives Sweep")
	for _, h := range []struct {
		key    string
		window time.Duration
		want   int
	}{{"h-old", time.Minute, 1}, {"h-live", 2 * time.Hour, 2}} {
		got, err := s.Hit(ctx, h.key, h.window)
		must(t, err, "Hit after Sweep "+h.key)
		if got != h.want {
			t.Errorf("Hit(%q) after Sweep = %d, want %d", h.key, got, h.want)
		}
	}
	gotFactor, err := s.GetFactor(ctx, "f-1")
	must(t, err, "factor survives Sweep")
	same(t, gotFactor, f, "factor after Sweep")
	events, err := s.ListAudit(ctx, time.Time{}, 0)
	must(t, err, "ListAudit after Sweep")
	same(t, events, []store.AuditEvent{oldEvent}, "audit events survive Sweep")
}

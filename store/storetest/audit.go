package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testAudit: ListAudit returns events at or after since, oldest first
// (ties by ID), at most limit; an event ID is appended once, whether
// AppendAudit refuses it or AppendNewAudit's commit skips it.
func testAudit(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	e1 := auditEvent("ev-b", epoch.Add(time.Minute))
	e2 := auditEvent("ev-c", epoch)
	e3 := auditEvent("ev-a", epoch.Add(2*time.Minute))
	e4 := auditEvent("ev-a2", epoch.Add(time.Minute)) // same time as e1, smaller ID
	e4.Kind, e4.AccountID, e4.Detail, e4.Outcome = "admin.client.add", "", nil, ""
	old := auditEvent("ev-old", epoch.Add(-365*24*time.Hour))
	for _, e := range []store.AuditEvent{e1, e3, e2, old, e4} {
		must(t, s.AppendAudit(ctx, e), "AppendAudit "+e.ID)
	}
	wantErr(t, s.AppendAudit(ctx, e1), store.ErrAlreadyExists, "AppendAudit duplicate")
	wantErr(t, s.AppendAudit(ctx, auditEvent("ev-b", epoch.Add(time.Hour))), store.ErrAlreadyExists,
		"AppendAudit duplicate ID at another time")

	list := func(since time.Time, limit int, want []store.AuditEvent, what string) {
		t.Helper()
		got, err := s.ListAudit(ctx, since, limit)
		must(t, err, what)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		same(t, got, want, what)
	}
	list(time.Time{}, 0, []store.AuditEvent{old, e2, e4, e1, e3}, "ListAudit all")
	list(epoch, 0, []store.AuditEvent{e2, e4, e1, e3}, "ListAudit since epoch (inclusive)")
	list(epoch.Add(time.Minute), 0, []store.AuditEvent{e4, e1, e3}, "ListAudit since a shared time")
	list(epoch.Add(time.Second), 2, []store.AuditEvent{e4, e1}, "ListAudit with limit")
	list(epoch, 1, []store.AuditEvent{e2}, "ListAudit limit 1")
	list(epoch.Add(2*time.Minute+time.Second), 0, nil, "ListAudit after the last event")

	// AppendNewAudit does not look the stored log up: an ID already
	// stored keeps its first event; a queued one is refused.
	e5 := auditEvent("ev-new", epoch.Add(3*time.Minute))
	must(t, s.AppendNewAudit(ctx, e5), "AppendNewAudit")
	wantErr(t, s.AppendNewAudit(ctx, e5), store.ErrAlreadyExists, "AppendNewAudit of an ID still queued")
	again := auditEvent(e1.ID, epoch.Add(4*time.Minute))
	list(epoch.Add(3*time.Minute), 0, []store.AuditEvent{e5}, "ListAudit after AppendNewAudit")
	must(t, s.AppendNewAudit(ctx, again), "AppendNewAudit of a stored ID")
	list(time.Time{}, 0, []store.AuditEvent{old, e2, e4, e1, e3, e5}, "ListAudit after a stored ID came again")

	// Events never expire, whatever the clock says.
	clk.Advance(10 * 365 * 24 * time.Hour)
	list(time.Time{}, 0, []store.AuditEvent{old, e2, e4, e1, e3, e5}, "ListAudit years later")
}

// testAccountFailures: the lockout fields of an account round-trip
// through create and update, and clear back to their zero values.
func testAccountFailures(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a := account("acct-1")
	a.Failures, a.LastFailureAt = 2, epoch.Add(-time.Minute)
	must(t, s.CreateAccount(ctx, a, link("gckey", "s1", "acct-1")), "CreateAccount with failures")
	got, err := s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount")
	same(t, got, a, "GetAccount with failures")

	must(t, s.UpdateAccount(ctx, "acct-1", func(x store.Account) (store.Account, error) {
		x.Failures, x.LastFailureAt, x.Locked = x.Failures+3, epoch, true
		return x, nil
	}), "UpdateAccount lock")
	a.Failures, a.LastFailureAt, a.Locked = 5, epoch, true
	got, err = s.GetAccountByURN(ctx, a.URN)
	must(t, err, "GetAccountByURN locked")
	same(t, got, a, "locked account")

	must(t, s.UpdateAccount(ctx, "acct-1", func(x store.Account) (store.Account, error) {
		x.Failures, x.LastFailureAt, x.Locked = 0, time.Time{}, false
		return x, nil
	}), "UpdateAccount unlock")
	got, err = s.GetAccount(ctx, "acct-1")
	must(t, err, "GetAccount unlocked")
	same(t, got, account("acct-1"), "unlocked account")
}

package broker

import (
	"context"
	"log/slog"
	"time"

	"github.com/passerelle/passerelle/store"
)

// auditor writes the audit log of people's actions and reports every
// event to the metrics hook.
type auditor struct {
	st      store.Store
	log     *slog.Logger
	now     func() time.Time
	onEvent func(store.AuditEvent) // optional
	notices Notices                // the owner's notice of what an event calls for
}

// record appends an event to the audit log; a failure is logged, never
// shown to the person.
func (a auditor) record(ctx context.Context, kind, accountID, clientID, outcome string, detail map[string]string) {
	e := a.event(kind, accountID, clientID, outcome, detail)
	if err := a.st.AppendNewAudit(ctx, e); err != nil {
		a.log.ErrorContext(ctx, "audit", "kind", kind, "error", err)
	}
	a.notices.Audited(ctx, e)
}

// event reports an event to the metrics only. A passed second factor is
// one: the sign-in's own audit event records what was used (amr), so a
// second durable write per sign-in would add nothing to the log.
func (a auditor) event(kind, accountID, clientID, outcome string, detail map[string]string) store.AuditEvent {
	now := a.now()
	e := store.AuditEvent{ID: orderedID(now), Time: now, Kind: kind, AccountID: accountID, ClientID: clientID,
		Actor: "person", Outcome: outcome, Detail: detail}
	if a.onEvent != nil {
		a.onEvent(e)
	}
	return e
}

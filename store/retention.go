package store

import (
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// DefaultAuditRetention is how long audit events are kept when the
// configuration does not say: 400 days, a year of records plus the
// month or so a department takes to archive them (passerelle audit
// export).
const DefaultAuditRetention = 400 * 24 * time.Hour

// Retention says how long Sweep keeps records that no sign-in needs any
// more, beyond the expiry every transient record already has. A zero
// field keeps its records: for ever (audit events) or as long as their
// grant (refresh history). SetDefaults gives AuditEvents its default; a
// backend opened without a Retention deletes neither.
type Retention struct {
	// AuditEvents: Sweep deletes audit events older than this. Export
	// them first (passerelle audit export) to archive them.
	AuditEvents time.Duration `mapstructure:"audit_events" yaml:"audit_events"`
	// RefreshHistory: Sweep forgets a rotated-away refresh token this
	// long after it was rotated away. Until then, presenting it again is
	// recognised as reuse and revokes the whole grant (RFC 9700 §4.14.2);
	// after, it is only an unknown token (invalid_grant). Zero keeps the
	// history as long as the grant lives.
	RefreshHistory time.Duration `mapstructure:"refresh_history" yaml:"refresh_history"`
}

// SetDefaults fills the fields left zero in the configuration.
func (r *Retention) SetDefaults() {
	if r.AuditEvents == 0 {
		r.AuditEvents = DefaultAuditRetention
	}
}

// Validate adds the problems of the section found at path.
func (r *Retention) Validate(ps *validate.Problems, path string) {
	if r.AuditEvents < 24*time.Hour {
		ps.Add(path+".audit_events", "must be at least 24h (write days as hours: 400 days is 9600h)", r.AuditEvents.String())
	}
	if r.RefreshHistory < 0 {
		ps.Add(path+".refresh_history", "must be positive, or 0 to keep it as long as its grant", r.RefreshHistory.String())
	} else if r.RefreshHistory > 0 && r.RefreshHistory < time.Minute {
		ps.Add(path+".refresh_history", "must be at least 1m, or 0 to keep it as long as its grant", r.RefreshHistory.String())
	}
}

// Cutoffs returns the times before which Sweep at now deletes audit
// events and forgets rotated-away refresh tokens; a zero time deletes
// nothing.
func (r Retention) Cutoffs(now time.Time) (audit, refresh time.Time) {
	if r.AuditEvents > 0 {
		audit = now.Add(-r.AuditEvents)
	}
	if r.RefreshHistory > 0 {
		refresh = now.Add(-r.RefreshHistory)
	}
	return audit, refresh
}

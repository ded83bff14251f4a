package postgres

import (
	"context"
	"time"
)

// SweepBatch bounds one statement of Sweep: it deletes at most this many
// rows of one table, so each holds its row locks for a few milliseconds
// and the hot path's writes run between two statements.
const SweepBatch = 500

// sweptTables are the tables Sweep deletes from, each by its expires_at
// index. A grant's refresh hashes go with it (ON DELETE CASCADE) and are
// not counted.
var sweptTables = []string{
	"auth_requests", "sessions", "grants", "signing_keys", "otps", "hits", "local_users",
}

// sweptEarlyTables have a sweep_at column: when a spent row (a revoked
// grant, a consumed one-time code) may go before its expires_at. Sweep
// deletes those rows by its partial index.
var sweptEarlyTables = []string{"grants", "otps"}

// Sweep deletes every auth request, session, grant (with its refresh
// hashes), signing key, one-time code, rate window and unconfirmed local
// user whose expiry is before now, and returns how many records it
// deleted, and the revoked grants and consumed one-time codes whose
// sweep_at is before now. Each statement deletes at most
// SweepBatch rows of one table, found through its expires_at index, and
// commits on its own (a crash leaves a prefix of the work done, the next
// Sweep does the rest); a NULL expires_at never matches.
//
// With a Retention (Options), Sweep also deletes the audit events older
// than its AuditEvents (counted in the result) and forgets the refresh
// hashes rotated away longer than its RefreshHistory ago (not counted),
// in statements of the same bound.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	// The retention applies to the queued audit events too.
	if err := s.audit.Flush(ctx); err != nil {
		return 0, err
	}
	total := 0
	for _, table := range sweptTables {
		n, err := s.sweepRows(ctx, table, "expires_at", now)
		total += n
		if err != nil {
			return total, err
		}
	}
	for _, table := range sweptEarlyTables {
		n, err := s.sweepRows(ctx, table, "sweep_at", now)
		total += n
		if err != nil {
			return total, err
		}
	}
	audit, refresh := s.retention.Cutoffs(now)
	if !audit.IsZero() {
		n, err := s.sweepRows(ctx, "audit_events", "time", audit)
		total += n
		if err != nil {
			return total, err
		}
	}
	if !refresh.IsZero() {
		if _, err := s.sweepRows(ctx, "refresh_hashes", "retired_at", refresh); err != nil {
			return total, err
		}
	}
	return total, nil
}

// sweepRows deletes the rows of table whose column is before cutoff, at
// most SweepBatch per statement, until a statement deletes fewer.
func (s *Store) sweepRows(ctx context.Context, table, column string, cutoff time.Time) (int, error) {
	// The row is found by its ctid (no second index lookup); the outer
	// test keeps a row whose time was moved after the inner scan saw it
	// (its new version no longer matches).
	cond := column + " < $1"
	sql := "DELETE FROM " + table + " WHERE ctid IN (SELECT ctid FROM " + table +
		" WHERE " + cond + " LIMIT $2) AND " + cond
	limit := SweepBatch
	total := 0
	for {
		tag, err := s.exec(ctx, sql, cutoff, limit)
		n := int(tag.RowsAffected())
		total += n
		if err != nil || n < limit {
			return total, err
		}
	}
}

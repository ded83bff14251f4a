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

// Sweep deletes every auth request, session, grant (with its refresh
// hashes), signing key, one-time code, rate window and unconfirmed local
// user whose expiry is before now, and returns how many records it
// deleted. Audit events are kept. Each statement deletes at most
// SweepBatch rows of one table, found through its expires_at index, and
// commits on its own (a crash leaves a prefix of the work done, the next
// Sweep does the rest); a NULL expires_at never matches.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, table := range sweptTables {
		n, err := s.sweepTable(ctx, table, now, SweepBatch)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// sweepTable deletes the expired rows of table, at most limit per
// statement, until a statement deletes fewer than limit.
func (s *Store) sweepTable(ctx context.Context, table string, now time.Time, limit int) (int, error) {
	// The row is found by its ctid (no second index lookup); the outer
	// expires_at test keeps a row whose expiry was extended after the
	// inner scan saw it (its new version no longer matches).
	sql := "DELETE FROM " + table + " WHERE ctid IN (SELECT ctid FROM " + table +
		" WHERE expires_at < $1 LIMIT $2) AND expires_at < $1"
	total := 0
	for {
		tag, err := s.exec(ctx, sql, now, limit)
		n := int(tag.RowsAffected())
		total += n
		if err != nil || n < limit {
			return total, err
		}
	}
}

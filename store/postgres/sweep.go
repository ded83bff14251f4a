package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// sweeps are the statements of Sweep, one per kind with an expiry. A
// grant's refresh hashes go with it (ON DELETE CASCADE) and are not
// counted.
var sweeps = []string{
	"DELETE FROM auth_requests WHERE expires_at < $1",
	"DELETE FROM sessions WHERE expires_at < $1",
	"DELETE FROM grants WHERE expires_at < $1",
	"DELETE FROM signing_keys WHERE expires_at < $1",
	"DELETE FROM otps WHERE expires_at < $1",
	"DELETE FROM hits WHERE expires_at < $1",
	"DELETE FROM local_users WHERE expires_at < $1",
}

// Sweep deletes every auth request, session, grant (with its
// refresh hashes), signing key, one-time code, rate window and
// unconfirmed local user whose
// expiry is before now, in one transaction, and returns how many records
// it deleted. Audit events are kept. Each statement uses its table's
// expires_at index; a NULL expires_at never matches.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		n = 0
		for _, sql := range sweeps {
			tag, err := tx.Exec(ctx, sql, now)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	return n, err
}

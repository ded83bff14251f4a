package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

var grants = table[store.Grant]{noun: "grant", name: "grants", key: "id",
	keyOf:     func(g store.Grant) any { return g.ID },
	cols:      []string{"account_id", "expires_at", "sweep_at"},
	vals:      func(g store.Grant) []any { return []any{g.AccountID, expiry(g.ExpiresAt), expiry(g.SweepEarlyAt())} },
	transient: true,
	decoded:   decoded.Grants}

// CreateGrant stores a grant and, when it has a refresh token, indexes
// the refresh hash, in one statement (INSERT ... RETURNING feeding the
// index's INSERT). ErrAlreadyExists if the ID or the refresh hash is
// already known.
func (s *grantRecords) CreateGrant(ctx context.Context, g store.Grant) error {
	sql, args, err := s.insertGrant(g)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, sql+" SELECT FROM g", args...)
	return contractError(err, grants.noun, store.ErrAlreadyExists)
}

// insertGrant is the head of a statement that creates g, dated as a
// revocation is (WithRevokedAt), and indexes its refresh hash if it has
// one: "WITH g AS (INSERT ... RETURNING id), ...", and its arguments;
// the caller adds the statement's body.
func (s *grantRecords) insertGrant(g store.Grant) (sql string, args []any, err error) {
	cols, args, err := grants.row(g.WithRevokedAt(s.now()))
	if err != nil {
		return "", nil, err
	}
	sql = fmt.Sprintf("WITH g AS (INSERT INTO grants (%s) VALUES (%s) RETURNING id)", cols, placeholders(1, len(args)))
	sql, args = indexingRefresh(sql, args, g.RefreshHash)
	return sql, args, nil
}

// indexingRefresh adds to a statement whose CTE g returns a grant's id
// the CTE that indexes hash as the grant's refresh hash (none when hash
// is empty), and hash to its arguments.
func indexingRefresh(sql string, args []any, hash []byte) (string, []any) {
	if len(hash) == 0 {
		return sql, args
	}
	args = append(args, hash)
	return sql + fmt.Sprintf(", fresh AS (INSERT INTO refresh_hashes (hash, grant_id) SELECT $%d, id FROM g)", len(args)), args
}

// GetGrant returns a live grant (revoked or not).
func (s *grantRecords) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	return grants.get(ctx, s.base, id)
}

// GetGrantWithAccount returns a live grant (revoked or not) and its
// account, read together: the grant's row LEFT JOINed to its account's
// (GetGrant then GetAccount were two round trips), in a statement shared
// with the reads of other grants asked for meanwhile (grantReads). A
// grant whose account is missing comes back with the account's
// ErrNotFound.
func (s *grantRecords) GetGrantWithAccount(ctx context.Context, id string) (store.Grant, store.Account, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout) // the wait in the queue too
	defer cancel()
	row, found, err := s.grantReads.get(ctx, id)
	if err != nil {
		return store.Grant{}, store.Account{}, s.fail(err)
	}
	if !found {
		return store.Grant{}, store.Account{}, grants.notFound()
	}
	g, err := grants.decode(row.grant)
	if err != nil {
		return store.Grant{}, store.Account{}, err
	}
	if row.account == nil {
		return g, store.Account{}, accounts.notFound()
	}
	a, err := accounts.decode(row.account)
	return g, a, err
}

// grantRow is a grant's record and its account's (nil when missing), as
// GetGrantWithAccount reads them.
type grantRow struct{ grant, account []byte }

// newGrantReads coalesces GetGrantWithAccount's reads (one per
// introspection and per userinfo request): under load, one statement
// reads the grants asked for while the one before it ran. pgx scans
// each row's records into slices of their own.
func newGrantReads(b *base) *coalescedRead[string, grantRow] {
	return newCoalescedRead(func(ctx context.Context, ids []string) (map[string]grantRow, error) {
		rows, err := b.pool.Query(ctx,
			"SELECT g.id, g.record, a.record FROM grants g LEFT JOIN accounts a ON a.id = g.account_id WHERE g.id = ANY($1) AND "+live(2),
			ids, b.now())
		if err != nil {
			return nil, err
		}
		found := make(map[string]grantRow, len(ids))
		var id string
		var row grantRow
		_, err = pgx.ForEachRow(rows, []any{&id, &row.grant, &row.account}, func() error {
			found[id] = row
			return nil
		})
		return found, err
	}, b.timeout)
}

// GetGrantByRefreshHash returns live grant grantID if it had this refresh
// hash, current or rotated away (one primary-key lookup of the hash).
func (s *grantRecords) GetGrantByRefreshHash(ctx context.Context, grantID string, hash []byte) (store.Grant, error) {
	if grantID == "" {
		return store.Grant{}, grants.notFound()
	}
	return s.grantByRefreshHash(ctx, grantID, hash)
}

// GetGrantByLegacyRefreshHash returns the live grant that had this
// refresh hash, current or rotated away, by the hash alone: the table is
// keyed by it, so every hash is found, those of tokens that do not name
// their grant included.
func (s *grantRecords) GetGrantByLegacyRefreshHash(ctx context.Context, hash []byte) (store.Grant, error) {
	return s.grantByRefreshHash(ctx, "", hash)
}

// grantByRefreshHash reads the live grant that had hash, which must be
// grantID unless that is empty. The row is remembered for an update that
// follows (seenRows): a token that does not name its grant is rotated
// after it.
func (s *grantRecords) grantByRefreshHash(ctx context.Context, grantID string, hash []byte) (store.Grant, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	sql := "SELECT g.record, g.xmin, g.expires_at FROM refresh_hashes r JOIN grants g ON g.id = r.grant_id WHERE r.hash = $1 AND " + live(2)
	args := []any{hash, s.now()}
	if grantID != "" {
		sql += " AND r.grant_id = $3"
		args = append(args, grantID)
	}
	return grants.remember(s.base, s.pool.QueryRow(ctx, sql, args...))
}

// UpdateGrant applies fn to a live grant. A new refresh hash is indexed
// with the grant's write (ErrConflict if another grant ever had it); old
// hashes stay indexed, stamped with the time they were rotated away
// (retired_at) for Sweep's refresh-history retention. A revocation is
// dated (WithRevokedAt), which sets the row's sweep_at. It first tries a
// compare-and-swap (swapRotated); a hash already indexed, or lost swaps,
// take the transaction under the row lock, which handles a grant coming
// back to a hash of its own.
func (s *grantRecords) UpdateGrant(ctx context.Context, id string, fn func(store.Grant) (store.Grant, error)) error {
	dated := func(g store.Grant) (store.Grant, error) {
		g, err := fn(g)
		return g.WithRevokedAt(s.now()), err
	}
	return grants.swapThenLock(ctx, s.base, id, dated, s.swapRotated, func(ctx context.Context, tx pgx.Tx, old, g store.Grant) error {
		if bytes.Equal(g.RefreshHash, old.RefreshHash) {
			return nil
		}
		if len(g.RefreshHash) > 0 {
			tag, err := tx.Exec(ctx,
				"INSERT INTO refresh_hashes (hash, grant_id) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING", g.RefreshHash, g.ID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				// Known already: the grant may come back to a hash of
				// its own, which is current again.
				var owner string
				if err := tx.QueryRow(ctx, "SELECT grant_id FROM refresh_hashes WHERE hash = $1", g.RefreshHash).Scan(&owner); err != nil {
					return err
				}
				if owner != g.ID {
					return fmt.Errorf("store/postgres: grant refresh hash belongs to another grant: %w", store.ErrConflict)
				}
				if _, err := tx.Exec(ctx, "UPDATE refresh_hashes SET retired_at = NULL WHERE hash = $1", g.RefreshHash); err != nil {
					return err
				}
			}
		}
		if len(old.RefreshHash) == 0 {
			return nil
		}
		// The old hash is rotated away now: retention counts from here.
		_, err := tx.Exec(ctx, "UPDATE refresh_hashes SET retired_at = $1 WHERE hash = $2 AND grant_id = $3",
			s.now(), old.RefreshHash, g.ID)
		return err
	})
}

// RevokeGrantsByAccount marks every live grant of the account revoked
// and dated now (record and sweep_at as WithRevokedAt and SweepEarlyAt
// write them), in one statement, and returns how many were not revoked
// before.
func (s *grantRecords) RevokeGrantsByAccount(ctx context.Context, accountID string) (int, error) {
	now := s.now()
	revoked := store.Grant{Revoked: true}.WithRevokedAt(now)
	stamp, err := json.Marshal(map[string]any{"revoked": true, "revoked_at": revoked.RevokedAt})
	if err != nil {
		return 0, err
	}
	tag, err := s.exec(ctx, `UPDATE grants SET record = record || $3::jsonb, sweep_at = $4
		WHERE account_id = $1 AND `+live(2)+` AND NOT coalesce((record->>'revoked')::boolean, false)`,
		accountID, now, string(stamp), revoked.SweepEarlyAt())
	return int(tag.RowsAffected()), err
}

// swapRotated writes a grant at its version (xmin) and, when its refresh
// hash changed, indexes the new hash and retires the old one, all in one
// statement: a refresh is one round trip after the grant's read. A new
// hash already indexed aborts the statement (unique violation) and
// leaves the update to the locked transaction (errNeedsLock).
func (s *grantRecords) swapRotated(ctx context.Context, old, g store.Grant, version uint32) (bool, error) {
	if bytes.Equal(g.RefreshHash, old.RefreshHash) {
		return grants.writeIf(ctx, s.pool, g.ID, g, &version)
	}
	sql, args, err := grants.rewrite(1, g.ID, g, &version)
	if err != nil {
		return false, err
	}
	sql, args = indexingRefresh("WITH g AS ("+sql+" RETURNING id)", args, g.RefreshHash)
	if len(old.RefreshHash) > 0 {
		args = append(args, s.now(), old.RefreshHash)
		sql += fmt.Sprintf(", retired AS (UPDATE refresh_hashes SET retired_at = $%d WHERE hash = $%d AND grant_id IN (SELECT id FROM g))",
			len(args)-1, len(args))
	}
	var written bool
	err = s.pool.QueryRow(ctx, sql+" SELECT EXISTS (SELECT FROM g)", args...).Scan(&written)
	if _, constraint, ok := violation(err); ok && constraint == "refresh_hashes_pkey" {
		return false, errNeedsLock
	}
	return written, contractError(err, grants.noun, store.ErrConflict)
}

package postgres

import (
	"context"
	"fmt"

	"github.com/passerelle/passerelle/store"
)

// CreateGrantWithSession creates the grant (with its refresh hash's
// index entry: insertGrant) and the session, and deletes the replaced session, in one
// statement whose CTEs commit together: one round trip, one WAL flush. A
// known grant ID, refresh hash or session hash fails the whole statement
// (ErrAlreadyExists), which writes nothing.
func (s *grantRecords) CreateGrantWithSession(ctx context.Context, g store.Grant, sess store.Session, replaced []byte) error {
	sql, args, err := s.insertGrant(g)
	if err != nil {
		return err
	}
	if len(replaced) > 0 {
		args = append(args, replaced)
		sql += fmt.Sprintf(", d AS (DELETE FROM sessions WHERE hash = $%d)", len(args))
	}
	cols, sessArgs, err := sessions.row(sess)
	if err != nil {
		return err
	}
	sql += fmt.Sprintf(" INSERT INTO sessions (%s) SELECT %s FROM g", cols, placeholders(len(args)+1, len(sessArgs)))
	_, err = s.exec(ctx, sql, append(args, sessArgs...)...)
	return contractError(err, grants.noun, store.ErrAlreadyExists)
}

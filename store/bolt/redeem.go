package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// CreateGrantWithSession creates the grant and the session, and deletes
// the replaced session (expired or not) when it is stored, in one
// transaction: one commit. Every check comes before the first write, so
// a refusal (ErrAlreadyExists) writes nothing and leaves the batch alone.
func (s *grantRecords) CreateGrantWithSession(ctx context.Context, g store.Grant, sess store.Session, replaced []byte) error {
	g = g.WithRevokedAt(s.now())
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, grants, g); err != nil {
			return err
		}
		if err := checkNew(tx, sessions, sess); err != nil {
			return err
		}
		old, replacing, err := load(tx, sessions, replaced)
		if err != nil {
			return err
		}
		if err := putGrant(tx, g); err != nil {
			return err
		}
		if replacing {
			if err := deleteSession(tx, old); err != nil {
				return err
			}
		}
		return putSession(tx, sess)
	})
}

package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// CreateSession stores a session under its cookie hash and lists it under
// its account.
func (s *sessionRecords) CreateSession(ctx context.Context, sess store.Session) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, sessions, sess); err != nil {
			return err
		}
		return putSession(tx, sess)
	})
}

// putSession writes a new session (checkNew passed) with its index entry.
func putSession(tx *bbolt.Tx, sess store.Session) error {
	if err := save(tx, sessions, sess); err != nil {
		return err
	}
	return mark(tx, indexSessionsByAccount, ownedKey(sess.AccountID, sess.Hash))
}

// GetSession returns a live session.
func (s *sessionRecords) GetSession(ctx context.Context, hash []byte) (store.Session, error) {
	return get(ctx, s.base, sessions, hash)
}

// UpdateSession applies fn to a live session (LastSeenAt, step-up AMR).
func (s *sessionRecords) UpdateSession(ctx context.Context, hash []byte, fn func(store.Session) (store.Session, error)) error {
	return update(ctx, s.base, sessions, hash, fn, func(tx *bbolt.Tx, old, sess store.Session) error {
		if sess.AccountID == old.AccountID {
			return nil
		}
		if err := tx.Bucket(indexSessionsByAccount).Delete(ownedKey(old.AccountID, hash)); err != nil {
			return err
		}
		return mark(tx, indexSessionsByAccount, ownedKey(sess.AccountID, hash))
	})
}

// DeleteSession ends a live session.
func (s *sessionRecords) DeleteSession(ctx context.Context, hash []byte) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		sess, err := getLive(s.base, tx, sessions, hash)
		if err != nil {
			return refuse(err)
		}
		return deleteSession(tx, sess)
	})
}

// DeleteSessionsByAccount deletes every session of the account, expired
// ones included, and returns how many live sessions it ended.
func (s *sessionRecords) DeleteSessionsByAccount(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		n = 0
		for _, hash := range owned(tx, indexSessionsByAccount, accountID) {
			sess, ok, err := load(tx, sessions, hash)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if !s.expired(sess.ExpiresAt) {
				n++
			}
			if err := deleteSession(tx, sess); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// ListSessions returns the live sessions of an account, from its index.
func (s *sessionRecords) ListSessions(ctx context.Context, accountID string) ([]store.Session, error) {
	var out []store.Session
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		for _, hash := range owned(tx, indexSessionsByAccount, accountID) {
			sess, ok, err := load(tx, sessions, hash)
			if err != nil {
				return err
			}
			if ok && !s.expired(sess.ExpiresAt) {
				out = append(out, sess)
			}
		}
		return nil
	})
	return out, err
}

// deleteSession removes a session and its index entry.
func deleteSession(tx *bbolt.Tx, sess store.Session) error {
	if err := tx.Bucket(indexSessionsByAccount).Delete(ownedKey(sess.AccountID, sess.Hash)); err != nil {
		return err
	}
	return drop(tx, sessions, sess)
}

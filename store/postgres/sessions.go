package postgres

import (
	"context"

	"github.com/passerelle/passerelle/store"
)

var sessions = table[store.Session]{noun: "session", name: "sessions", key: "hash",
	keyOf:     func(s store.Session) any { return s.Hash },
	cols:      []string{"account_id", "expires_at"},
	vals:      func(s store.Session) []any { return []any{s.AccountID, expiry(s.ExpiresAt)} },
	transient: true}

// CreateSession stores a session under its cookie hash.
func (s *sessionRecords) CreateSession(ctx context.Context, sess store.Session) error {
	return sessions.create(ctx, s.base, sess)
}

// GetSession returns a live session.
func (s *sessionRecords) GetSession(ctx context.Context, hash []byte) (store.Session, error) {
	return sessions.get(ctx, s.base, hash)
}

// UpdateSession applies fn to a live session (LastSeenAt, step-up AMR).
func (s *sessionRecords) UpdateSession(ctx context.Context, hash []byte, fn func(store.Session) (store.Session, error)) error {
	return sessions.update(ctx, s.base, hash, fn, nil)
}

// DeleteSession ends a live session.
func (s *sessionRecords) DeleteSession(ctx context.Context, hash []byte) error {
	return sessions.remove(ctx, s.base, hash)
}

// DeleteSessionsByAccount deletes every session of the account, expired
// ones included, in one statement, and returns how many live sessions it
// ended.
func (s *sessionRecords) DeleteSessionsByAccount(ctx context.Context, accountID string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, `WITH ended AS (DELETE FROM sessions WHERE account_id = $1 RETURNING expires_at)
		SELECT count(*) FILTER (WHERE `+live(2)+`) FROM ended`, accountID, s.now()).Scan(&n)
	return n, err
}

// ListSessions returns the live sessions of an account, from the
// account_id index.
func (s *sessionRecords) ListSessions(ctx context.Context, accountID string) ([]store.Session, error) {
	return sessions.list(ctx, s.base, "SELECT record FROM sessions WHERE account_id = $1 AND "+live(2), accountID, s.now())
}

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
)

// localUsers keeps expires_at only while a user is unconfirmed: a
// confirmed user never expires, whatever ExpiresAt says.
var localUsers = table[store.LocalUser]{noun: "local user", name: "local_users", key: "id",
	keyOf: func(u store.LocalUser) any { return u.ID },
	cols:  []string{"username", "email", "expires_at"},
	vals: func(u store.LocalUser) []any {
		var exp *time.Time
		if !u.Confirmed {
			exp = expiry(u.ExpiresAt)
		}
		return []any{nullString(u.Username), nullString(u.Email), exp}
	},
	transient: true}

// freeExpired deletes the expired unconfirmed users (other than id) that
// hold an ID, username or email a write is about to take: an expired
// registration no longer reserves them, swept or not.
func freeExpired(ctx context.Context, tx pgx.Tx, u store.LocalUser, now time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM local_users WHERE expires_at < $1
		AND (id = $2 OR username = $3 OR email = $4)`, now, u.ID, u.Username, u.Email)
	return err
}

// CreateLocalUser stores a credential of the built-in service in one
// transaction: expired registrations holding its ID, username or email
// are deleted, then the insert meets the unique constraints
// (ErrAlreadyExists).
func (s *localUserRecords) CreateLocalUser(ctx context.Context, u store.LocalUser) error {
	now := s.now()
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := freeExpired(ctx, tx, u, now); err != nil {
			return err
		}
		return localUsers.insert(ctx, tx, u)
	})
}

// GetLocalUser returns the user with this ID.
func (s *localUserRecords) GetLocalUser(ctx context.Context, id string) (store.LocalUser, error) {
	return localUsers.get(ctx, s.base, id)
}

// GetLocalUserByUsername returns the user with this username.
func (s *localUserRecords) GetLocalUserByUsername(ctx context.Context, username string) (store.LocalUser, error) {
	return s.localUserBy(ctx, "username", username)
}

// GetLocalUserByEmail returns the user with this email address.
func (s *localUserRecords) GetLocalUserByEmail(ctx context.Context, email string) (store.LocalUser, error) {
	return s.localUserBy(ctx, "email", email)
}

// localUserBy finds a live user by a unique column.
func (s *localUserRecords) localUserBy(ctx context.Context, column, value string) (store.LocalUser, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.LocalUser](s.base, s.pool.QueryRow(ctx,
		"SELECT record FROM local_users WHERE "+column+" = $1 AND "+live(2), value, s.now()), localUsers.noun)
}

// UpdateLocalUser applies fn to a live user under its row lock. A
// username or email another live user holds is ErrConflict.
func (s *localUserRecords) UpdateLocalUser(ctx context.Context, id string, fn func(store.LocalUser) (store.LocalUser, error)) error {
	now := s.now()
	return localUsers.update(ctx, s.base, id, fn, func(ctx context.Context, tx pgx.Tx, _, u store.LocalUser) error {
		return freeExpired(ctx, tx, u, now)
	})
}

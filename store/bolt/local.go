package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// localUserExpiry is when a local user reads as missing: its ExpiresAt
// while unconfirmed, never once confirmed (whatever ExpiresAt says).
func localUserExpiry(u store.LocalUser) time.Time {
	if u.Confirmed {
		return time.Time{}
	}
	return u.ExpiresAt
}

// localUnique is one unique secondary key of a local user: the index
// bucket and the value the user holds there. An empty value is not indexed.
type localUnique struct {
	index []byte
	value string
}

// localUniques returns the unique secondary keys of u.
func localUniques(u store.LocalUser) []localUnique {
	return []localUnique{
		{indexLocalUserByUsername, u.Username},
		{indexLocalUserByEmail, u.Email},
	}
}

// localHolders returns the stored users (other than self) that hold u's
// ID, username or email, each once, live or expired.
func localHolders(tx *bbolt.Tx, u store.LocalUser, self string) ([]store.LocalUser, error) {
	ids := []string{u.ID}
	for _, k := range localUniques(u) {
		if k.value == "" {
			continue
		}
		if id := tx.Bucket(k.index).Get([]byte(k.value)); id != nil {
			ids = append(ids, string(id))
		}
	}
	var out []store.LocalUser
	seen := map[string]bool{self: true}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		h, ok, err := load(tx, localUsers, []byte(id))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// freeExpiredHolders deletes the expired holders of u's ID, username or
// email, or refuses with taken (before writing anything) when one of them
// is live. An expired registration no longer reserves anything, swept or
// not.
func (s *localUserRecords) freeExpiredHolders(tx *bbolt.Tx, u store.LocalUser, self string, taken error) error {
	holders, err := localHolders(tx, u, self)
	if err != nil {
		return err
	}
	for _, h := range holders {
		if !s.expired(localUserExpiry(h)) {
			return refuse(fmt.Errorf("store/bolt: local user ID, username or email: %w", taken))
		}
	}
	for _, h := range holders {
		if err := deleteLocalUser(tx, h); err != nil {
			return err
		}
	}
	return nil
}

// indexLocalUser writes the unique index entries of u.
func indexLocalUser(tx *bbolt.Tx, u store.LocalUser) error {
	for _, k := range localUniques(u) {
		if k.value == "" {
			continue
		}
		if err := tx.Bucket(k.index).Put([]byte(k.value), []byte(u.ID)); err != nil {
			return err
		}
	}
	return nil
}

// unindexLocalUser deletes the index entries that point at u.
func unindexLocalUser(tx *bbolt.Tx, u store.LocalUser) error {
	for _, k := range localUniques(u) {
		idx := tx.Bucket(k.index)
		if k.value == "" || !bytes.Equal(idx.Get([]byte(k.value)), []byte(u.ID)) {
			continue
		}
		if err := idx.Delete([]byte(k.value)); err != nil {
			return err
		}
	}
	return nil
}

// deleteLocalUser removes a local user and its index entries.
func deleteLocalUser(tx *bbolt.Tx, u store.LocalUser) error {
	if err := unindexLocalUser(tx, u); err != nil {
		return err
	}
	return drop(tx, localUsers, u)
}

// CreateLocalUser stores a local user and indexes its username and email.
// ErrAlreadyExists when a live user (confirmed, or unconfirmed and not
// expired) holds the ID, username or email; an expired holder is deleted
// with its index entries in the same transaction, and the new user takes
// its place.
func (s *localUserRecords) CreateLocalUser(ctx context.Context, u store.LocalUser) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if u.ID == "" {
			return refuse(fmt.Errorf("store/bolt: %s has an empty key", localUsers.name))
		}
		if err := s.freeExpiredHolders(tx, u, "", store.ErrAlreadyExists); err != nil {
			return err
		}
		if err := save(tx, localUsers, u); err != nil {
			return err
		}
		return indexLocalUser(tx, u)
	})
}

// GetLocalUser returns the live local user with this ID.
func (s *localUserRecords) GetLocalUser(ctx context.Context, id string) (store.LocalUser, error) {
	return get(ctx, s.base, localUsers, []byte(id))
}

// GetLocalUserByUsername returns the live local user with this username.
func (s *localUserRecords) GetLocalUserByUsername(ctx context.Context, username string) (store.LocalUser, error) {
	return getByIndex(ctx, s.base, localUsers, indexLocalUserByUsername, []byte(username))
}

// GetLocalUserByEmail returns the live local user with this email.
func (s *localUserRecords) GetLocalUserByEmail(ctx context.Context, email string) (store.LocalUser, error) {
	return getByIndex(ctx, s.base, localUsers, indexLocalUserByEmail, []byte(email))
}

// UpdateLocalUser applies fn to a live local user. A changed username or
// email moves its index entry: ErrConflict when another live user holds
// the new value; an expired holder is deleted and the value taken.
func (s *localUserRecords) UpdateLocalUser(ctx context.Context, id string, fn func(store.LocalUser) (store.LocalUser, error)) error {
	return update(ctx, s.base, localUsers, []byte(id), fn, func(tx *bbolt.Tx, old, u store.LocalUser) error {
		if u.Username == old.Username && u.Email == old.Email {
			return nil
		}
		if err := s.freeExpiredHolders(tx, u, u.ID, store.ErrConflict); err != nil {
			return err
		}
		if err := unindexLocalUser(tx, old); err != nil {
			return err
		}
		return indexLocalUser(tx, u)
	})
}

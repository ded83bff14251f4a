package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

var (
	legacyByUsername = unique[store.LegacyAccount]{index: indexLegacyByUsername,
		value: func(a store.LegacyAccount) []byte { return legacyUsernameKey(a.ClientID, a.Username) }}
	legacyLinkByID = unique[store.LegacyLink]{index: indexLegacyLinkByID,
		value: func(l store.LegacyLink) []byte { return pairKey(l.ClientID, l.LegacyID) }}
)

// ImportLegacyAccounts writes the list in one transaction (putAll): a
// folded username held by another legacy ID is ErrConflict.
func (s *legacyRecords) ImportLegacyAccounts(ctx context.Context, list []store.LegacyAccount) error {
	return putAll(ctx, s.base, legacyAccounts, legacyByUsername, list, store.LegacyAccount.Validate)
}

// GetLegacyAccount returns a client's legacy account by its legacy ID.
func (s *legacyRecords) GetLegacyAccount(ctx context.Context, clientID, legacyID string) (store.LegacyAccount, error) {
	return get(ctx, s.base, legacyAccounts, pairKey(clientID, legacyID))
}

// GetLegacyAccountByUsername finds it by its folded username.
func (s *legacyRecords) GetLegacyAccountByUsername(ctx context.Context, clientID, username string) (store.LegacyAccount, error) {
	return getByIndex(ctx, s.base, legacyAccounts, indexLegacyByUsername, legacyUsernameKey(clientID, username))
}

// CreateLegacyLink stores the answer: "none" alone, a link with its index
// entry (createLinkTo).
func (s *legacyRecords) CreateLegacyLink(ctx context.Context, l store.LegacyLink) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("store/bolt: %w", err)
	}
	if l.LegacyID == "" {
		return create(ctx, s.base, legacyLinks, l)
	}
	return createLinkTo(ctx, s.base, legacyLinks, l, bucketLegacyAccounts, pairKey(l.ClientID, l.LegacyID), legacyLinkByID)
}

// GetLegacyLink returns the account's answer to the client's step.
func (s *legacyRecords) GetLegacyLink(ctx context.Context, clientID, accountID string) (store.LegacyLink, error) {
	return get(ctx, s.base, legacyLinks, pairKey(clientID, accountID))
}

// GetLegacyLinkByLegacyID finds the link made to a legacy account.
func (s *legacyRecords) GetLegacyLinkByLegacyID(ctx context.Context, clientID, legacyID string) (store.LegacyLink, error) {
	return getByIndex(ctx, s.base, legacyLinks, indexLegacyLinkByID, pairKey(clientID, legacyID))
}

// DeleteLegacyLink removes the answer and its index entry.
func (s *legacyRecords) DeleteLegacyLink(ctx context.Context, clientID, accountID string) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		l, err := getLive(s.base, tx, legacyLinks, pairKey(clientID, accountID))
		if err != nil {
			return refuse(err)
		}
		if l.LegacyID != "" {
			if err := tx.Bucket(indexLegacyLinkByID).Delete(legacyLinkByID.value(l)); err != nil {
				return err
			}
		}
		return drop(tx, legacyLinks, l)
	})
}

// legacyUsernameKey is the username index key: (client, folded username).
func legacyUsernameKey(clientID, username string) []byte {
	return pairKey(clientID, store.FoldUsername(username))
}

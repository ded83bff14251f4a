package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// ImportLegacyAccounts checks every account before it writes one, so a
// refused list leaves the store as it was: a folded username held by
// another legacy ID (stored, or earlier in list) is ErrConflict.
func (s *legacyRecords) ImportLegacyAccounts(ctx context.Context, list []store.LegacyAccount) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		holder := map[string]string{} // username index key → legacy ID, in list
		for _, a := range list {
			if err := a.Validate(); err != nil {
				return refuse(fmt.Errorf("store/bolt: %w", err))
			}
			key := string(legacyUsernameKey(a.ClientID, a.Username))
			held := holder[key]
			if held == "" {
				if stored, ok, err := loadByIndex(tx, legacyAccounts, indexLegacyByUsername, []byte(key)); err != nil {
					return err
				} else if ok {
					held = stored.LegacyID
				}
			}
			if held != "" && held != a.LegacyID {
				return refuse(fmt.Errorf("store/bolt: legacy username of %q is %q's: %w", a.LegacyID, held, store.ErrConflict))
			}
			holder[key] = a.LegacyID
		}
		for _, a := range list {
			old, ok, err := load(tx, legacyAccounts, legacyAccounts.key(a))
			if err != nil {
				return err
			}
			idx := tx.Bucket(indexLegacyByUsername)
			if ok {
				if err := idx.Delete(legacyUsernameKey(old.ClientID, old.Username)); err != nil {
					return err
				}
			}
			if err := idx.Put(legacyUsernameKey(a.ClientID, a.Username), legacyAccounts.key(a)); err != nil {
				return err
			}
			if err := save(tx, legacyAccounts, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetLegacyAccount returns a client's legacy account by its legacy ID.
func (s *legacyRecords) GetLegacyAccount(ctx context.Context, clientID, legacyID string) (store.LegacyAccount, error) {
	return get(ctx, s.base, legacyAccounts, pairKey(clientID, legacyID))
}

// GetLegacyAccountByUsername finds it by its folded username.
func (s *legacyRecords) GetLegacyAccountByUsername(ctx context.Context, clientID, username string) (store.LegacyAccount, error) {
	return getByIndex(ctx, s.base, legacyAccounts, indexLegacyByUsername, legacyUsernameKey(clientID, username))
}

// CreateLegacyLink checks the account's answer, the legacy account and
// its link index before it writes both.
func (s *legacyRecords) CreateLegacyLink(ctx context.Context, l store.LegacyLink) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("store/bolt: %w", err)
	}
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, legacyLinks, l); err != nil {
			return err
		}
		if l.LegacyID == "" {
			return save(tx, legacyLinks, l)
		}
		id := pairKey(l.ClientID, l.LegacyID)
		if tx.Bucket(bucketLegacyAccounts).Get(id) == nil {
			return refuse(legacyAccounts.notFound())
		}
		idx := tx.Bucket(indexLegacyLinkByID)
		if idx.Get(id) != nil {
			return refuse(fmt.Errorf("store/bolt: legacy account %q is linked: %w", l.LegacyID, store.ErrAlreadyExists))
		}
		if err := idx.Put(id, legacyLinks.key(l)); err != nil {
			return err
		}
		return save(tx, legacyLinks, l)
	})
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
			if err := tx.Bucket(indexLegacyLinkByID).Delete(pairKey(clientID, l.LegacyID)); err != nil {
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

package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// CreateAccount stores an account, its URN index entry and its first link
// in one transaction. Every check runs before the first write, so a
// refused account leaves nothing behind.
func (s *accountRecords) CreateAccount(ctx context.Context, a store.Account, first store.Link) error {
	if first.AccountID == "" {
		first.AccountID = a.ID
	}
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if first.AccountID != a.ID {
			return refuse(fmt.Errorf("store/bolt: first link names account %q, not %q: %w", first.AccountID, a.ID, store.ErrConflict))
		}
		if a.URN == "" {
			return refuse(errEmptyURN)
		}
		if err := checkNew(tx, accounts, a); err != nil {
			return err
		}
		if tx.Bucket(indexAccountByURN).Get([]byte(a.URN)) != nil {
			return refuse(fmt.Errorf("store/bolt: account URN: %w", store.ErrAlreadyExists))
		}
		if err := checkNew(tx, links, first); err != nil {
			return err
		}
		if err := save(tx, accounts, a); err != nil {
			return err
		}
		if err := tx.Bucket(indexAccountByURN).Put([]byte(a.URN), []byte(a.ID)); err != nil {
			return err
		}
		return saveLink(tx, first)
	})
}

// GetAccount returns the account with this internal ID.
func (s *accountRecords) GetAccount(ctx context.Context, id string) (store.Account, error) {
	return get(ctx, s.base, accounts, []byte(id))
}

// GetAccountByURN returns the account with this User Reference Number.
func (s *accountRecords) GetAccountByURN(ctx context.Context, urn string) (store.Account, error) {
	return getByIndex(ctx, s.base, accounts, indexAccountByURN, []byte(urn))
}

// UpdateAccount applies fn to the account. A changed URN moves the index
// entry; ErrConflict if another account holds the new URN.
func (s *accountRecords) UpdateAccount(ctx context.Context, id string, fn func(store.Account) (store.Account, error)) error {
	return update(ctx, s.base, accounts, []byte(id), fn, func(tx *bbolt.Tx, old, a store.Account) error {
		if a.URN == old.URN {
			return nil
		}
		idx := tx.Bucket(indexAccountByURN)
		if a.URN == "" {
			return refuse(errEmptyURN)
		}
		if idx.Get([]byte(a.URN)) != nil {
			return refuse(fmt.Errorf("store/bolt: account URN is taken: %w", store.ErrConflict))
		}
		if err := idx.Delete([]byte(old.URN)); err != nil {
			return err
		}
		return idx.Put([]byte(a.URN), []byte(a.ID))
	})
}

// CreateLink links an upstream identity to an existing account.
func (s *accountRecords) CreateLink(ctx context.Context, l store.Link) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if _, err := getLive(s.base, tx, accounts, []byte(l.AccountID)); err != nil {
			return refuse(err)
		}
		if err := checkNew(tx, links, l); err != nil {
			return err
		}
		return saveLink(tx, l)
	})
}

// saveLink writes a link and its entry in the per-account index.
func saveLink(tx *bbolt.Tx, l store.Link) error {
	if err := save(tx, links, l); err != nil {
		return err
	}
	return mark(tx, indexLinksByAccount, ownedKey(l.AccountID, links.key(l)))
}

// GetLink returns the link of an upstream identity.
func (s *accountRecords) GetLink(ctx context.Context, provider, subject string) (store.Link, error) {
	return get(ctx, s.base, links, linkKey(provider, subject))
}

// GetLinkWithAccount returns the link of an upstream identity, its
// account and the account's factors, read in one transaction.
func (s *accountRecords) GetLinkWithAccount(ctx context.Context, provider, subject string) (store.Link, store.Account, []store.Factor, error) {
	var l store.Link
	var a store.Account
	var fs []store.Factor
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		read, err := getLive(s.base, tx, links, linkKey(provider, subject))
		if err != nil {
			return err // no link: nothing of a record that did not decode
		}
		l = read
		a, fs, err = s.accountAndFactors(tx, l.AccountID)
		return err
	})
	if err != nil {
		return l, store.Account{}, nil, err
	}
	return l, a, fs, nil
}

// ListLinks returns the links of an account (none for an unknown account),
// ordered by provider then subject.
func (s *accountRecords) ListLinks(ctx context.Context, accountID string) ([]store.Link, error) {
	var out []store.Link
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		for _, key := range owned(tx, indexLinksByAccount, accountID) {
			l, ok, err := load(tx, links, key)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// DeleteLink removes a link and its index entry.
func (s *accountRecords) DeleteLink(ctx context.Context, provider, subject string) error {
	key := linkKey(provider, subject)
	return s.write(ctx, func(tx *bbolt.Tx) error {
		l, ok, err := load(tx, links, key)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(links.notFound())
		}
		if err := tx.Bucket(bucketLinks).Delete(key); err != nil {
			return err
		}
		return tx.Bucket(indexLinksByAccount).Delete(ownedKey(l.AccountID, key))
	})
}

// errEmptyURN refuses an account without a User Reference Number.
var errEmptyURN = errors.New("store/bolt: account has an empty URN")

// ListAccounts returns at most limit accounts with an ID after after, in
// ID order (the bucket's key order).
func (s *accountRecords) ListAccounts(ctx context.Context, after string, limit int) ([]store.Account, error) {
	var out []store.Account
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		c := tx.Bucket(accounts.bucket).Cursor()
		k, raw := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, raw = c.Next()
		}
		for ; k != nil && len(out) < limit; k, raw = c.Next() {
			var a store.Account
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("store/bolt: decode %s: %w", accounts.name, err)
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

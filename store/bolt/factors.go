package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// CreateFactor stores a factor, lists it under its account and, for a
// WebAuthn factor, indexes its credential ID. ErrAlreadyExists if the ID
// or the credential ID is taken.
func (s *factorRecords) CreateFactor(ctx context.Context, f store.Factor) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, factors, f); err != nil {
			return err
		}
		if len(f.CredentialID) > 0 && tx.Bucket(indexFactorByCred).Get(f.CredentialID) != nil {
			return refuse(fmt.Errorf("store/bolt: factor credential ID: %w", store.ErrAlreadyExists))
		}
		if err := save(tx, factors, f); err != nil {
			return err
		}
		return indexFactor(tx, f)
	})
}

// factorOrderKey is the entry listing f under its account, ordered by
// CreatedAt then ID: (account ID) + timeKey(CreatedAt) + factor ID.
func factorOrderKey(f store.Factor) []byte {
	return ownedKey(f.AccountID, append(timeKey(f.CreatedAt), f.ID...))
}

// indexFactor writes both index entries of a factor.
func indexFactor(tx *bbolt.Tx, f store.Factor) error {
	if err := mark(tx, indexFactorsByAccount, factorOrderKey(f)); err != nil {
		return err
	}
	if len(f.CredentialID) == 0 {
		return nil
	}
	return tx.Bucket(indexFactorByCred).Put(f.CredentialID, []byte(f.ID))
}

// unindexFactor deletes both index entries of a factor.
func unindexFactor(tx *bbolt.Tx, f store.Factor) error {
	if err := tx.Bucket(indexFactorsByAccount).Delete(factorOrderKey(f)); err != nil {
		return err
	}
	if len(f.CredentialID) == 0 {
		return nil
	}
	return tx.Bucket(indexFactorByCred).Delete(f.CredentialID)
}

// GetFactor returns the factor with this ID.
func (s *factorRecords) GetFactor(ctx context.Context, id string) (store.Factor, error) {
	return get(ctx, s.base, factors, []byte(id))
}

// GetFactorByCredentialID returns the WebAuthn factor holding this
// credential ID.
func (s *factorRecords) GetFactorByCredentialID(ctx context.Context, credentialID []byte) (store.Factor, error) {
	return getByIndex(ctx, s.base, factors, indexFactorByCred, credentialID)
}

// ListFactors returns the factors of an account (none for an unknown
// account), oldest first, ties broken by ID.
func (s *factorRecords) ListFactors(ctx context.Context, accountID string) ([]store.Factor, error) {
	var out []store.Factor
	err := s.view(ctx, func(tx *bbolt.Tx) (err error) {
		out, err = listFactors(tx, accountID)
		return err
	})
	return out, err
}

// accountAndFactors reads a live account and its factors in tx.
func (s *base) accountAndFactors(tx *bbolt.Tx, accountID string) (store.Account, []store.Factor, error) {
	a, err := getLive(s, tx, accounts, []byte(accountID))
	if err != nil {
		return store.Account{}, nil, err
	}
	fs, err := listFactors(tx, accountID)
	return a, fs, err
}

// listFactors reads the factors idx_factors_by_account lists under
// accountID, in its order (creation time, then ID).
func listFactors(tx *bbolt.Tx, accountID string) ([]store.Factor, error) {
	var out []store.Factor
	for _, entry := range owned(tx, indexFactorsByAccount, accountID) {
		f, ok, err := load(tx, factors, entry[timeKeyLen:])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// UpdateFactor applies fn to the factor (LastStep, SignCount, used
// recovery codes). A changed credential ID moves its index entry
// (ErrConflict if another factor holds the new one); a changed account or
// CreatedAt moves the listing entry.
func (s *factorRecords) UpdateFactor(ctx context.Context, id string, fn func(store.Factor) (store.Factor, error)) error {
	return update(ctx, s.base, factors, []byte(id), fn, func(tx *bbolt.Tx, old, f store.Factor) error {
		if len(f.CredentialID) > 0 {
			owner := tx.Bucket(indexFactorByCred).Get(f.CredentialID)
			if owner != nil && !bytes.Equal(owner, []byte(f.ID)) {
				return refuse(fmt.Errorf("store/bolt: factor credential ID belongs to another factor: %w", store.ErrConflict))
			}
		}
		if err := unindexFactor(tx, old); err != nil {
			return err
		}
		return indexFactor(tx, f)
	})
}

// UpdateAccountFactor applies fn to an account and one of its factors
// and saves both in one write transaction (one commit, shared with the
// writes batched beside it). Neither record's index entries move: fn may
// not change what they hold (store.CheckAccountFactor), and every check
// runs before the first write.
func (s *factorRecords) UpdateAccountFactor(ctx context.Context, accountID, factorID string,
	fn func(store.Account, store.Factor) (store.Account, store.Factor, error)) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		oldA, err := getLive(s.base, tx, accounts, []byte(accountID))
		if err != nil {
			return refuse(err)
		}
		oldF, err := getLive(s.base, tx, factors, []byte(factorID))
		if err == nil {
			err = store.CheckFactorOwner(accountID, oldF)
		}
		if err != nil {
			return refuse(err)
		}
		a, f, err := fn(oldA, oldF)
		if err == nil {
			err = store.CheckAccountFactor(oldA, a, oldF, f)
		}
		if err != nil {
			return refuse(err)
		}
		if err := saveOver(tx, accounts, &oldA, a); err != nil {
			return err
		}
		return saveOver(tx, factors, &oldF, f)
	})
}

// DeleteFactor removes a factor and its index entries; its ID and
// credential ID are free again.
func (s *factorRecords) DeleteFactor(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		f, err := getLive(s.base, tx, factors, []byte(id))
		if err != nil {
			return refuse(err)
		}
		if err := unindexFactor(tx, f); err != nil {
			return err
		}
		return tx.Bucket(bucketFactors).Delete([]byte(id))
	})
}

package bolt

import (
	"context"
	"errors"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// PutTermsAcceptance records a under (account, client), replacing the
// earlier acceptance.
func (s *Store) PutTermsAcceptance(ctx context.Context, a store.TermsAcceptance) error {
	if a.AccountID == "" || a.ClientID == "" || a.Version == "" {
		return errors.New("store/bolt: terms acceptance needs an account, a client and a version")
	}
	return s.write(ctx, func(tx *bbolt.Tx) error { return save(tx, termsAcceptances, a) })
}

// GetTermsAcceptance returns the account's latest acceptance of the
// client's terms.
func (s *Store) GetTermsAcceptance(ctx context.Context, accountID, clientID string) (store.TermsAcceptance, error) {
	return get(ctx, s, termsAcceptances, ownedKey(accountID, []byte(clientID)))
}

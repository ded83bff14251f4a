package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// PutTermsAcceptance writes a under (account, client), replacing the
// acceptance stored there: one record per pair, however often the person
// accepts. The audit event of the acceptance is the caller's to append.
func (s *termsRecords) PutTermsAcceptance(ctx context.Context, a store.TermsAcceptance) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("store/bolt: %w", err)
	}
	return s.write(ctx, func(tx *bbolt.Tx) error { return save(tx, termsAcceptances, a) })
}

// GetTermsAcceptance returns the acceptance stored under (account,
// client), or ErrNotFound.
func (s *termsRecords) GetTermsAcceptance(ctx context.Context, accountID, clientID string) (store.TermsAcceptance, error) {
	return get(ctx, s.base, termsAcceptances, termsKey(accountID, clientID))
}

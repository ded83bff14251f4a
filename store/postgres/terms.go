package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/passerelle/passerelle/store"
)

// PutTermsAcceptance writes a under (account_id, client_id) in one upsert,
// replacing the row there: one row per pair, however often the person
// accepts, and of two racing puts the later statement wins. The audit
// event of the acceptance is the caller's to append.
func (s *termsRecords) PutTermsAcceptance(ctx context.Context, a store.TermsAcceptance) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("store/postgres: %w", err)
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store/postgres: encode terms acceptance: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO terms_acceptances (account_id, client_id, record) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, client_id) DO UPDATE SET record = excluded.record`,
		a.AccountID, a.ClientID, raw)
	return err
}

// GetTermsAcceptance returns the acceptance stored under (account_id,
// client_id), or ErrNotFound.
func (s *termsRecords) GetTermsAcceptance(ctx context.Context, accountID, clientID string) (store.TermsAcceptance, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.TermsAcceptance](s.base, s.pool.QueryRow(ctx,
		"SELECT record FROM terms_acceptances WHERE account_id = $1 AND client_id = $2", accountID, clientID), "terms acceptance")
}

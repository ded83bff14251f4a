package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/passerelle/passerelle/store"
)

// termsAcceptances keeps one row per (account, client), keyed by both.
var termsAcceptances = table[store.TermsAcceptance]{noun: "terms acceptance", name: "terms_acceptances", key: "id",
	keyOf: func(a store.TermsAcceptance) any { return a.AccountID + " " + a.ClientID },
	cols:  []string{"account_id"},
	vals:  func(a store.TermsAcceptance) []any { return []any{a.AccountID} }}

// PutTermsAcceptance records a, replacing the account's earlier
// acceptance of the same client's terms, in one statement.
func (s *Store) PutTermsAcceptance(ctx context.Context, a store.TermsAcceptance) error {
	if a.AccountID == "" || a.ClientID == "" || a.Version == "" {
		return errors.New("store/postgres: terms acceptance needs an account, a client and a version")
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store/postgres: encode terms acceptance: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err = s.pool.Exec(ctx, `INSERT INTO terms_acceptances (id, account_id, record) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`, termsAcceptances.keyOf(a), a.AccountID, raw)
	return s.fail(err)
}

// GetTermsAcceptance returns the account's latest acceptance of the
// client's terms.
func (s *Store) GetTermsAcceptance(ctx context.Context, accountID, clientID string) (store.TermsAcceptance, error) {
	return termsAcceptances.get(ctx, s, accountID+" "+clientID)
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
)

// ImportLegacyAccounts upserts every account in one transaction: the
// unique (client_id, username) constraint refuses a username another
// legacy ID holds (ErrConflict) and rolls the whole list back.
func (s *legacyRecords) ImportLegacyAccounts(ctx context.Context, list []store.LegacyAccount) error {
	for _, a := range list {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("store/postgres: %w", err)
		}
	}
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, a := range list {
			raw, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("store/postgres: encode legacy account: %w", err)
			}
			_, err = tx.Exec(ctx, `INSERT INTO legacy_accounts (client_id, legacy_id, username, record) VALUES ($1, $2, $3, $4)
				ON CONFLICT (client_id, legacy_id) DO UPDATE SET username = excluded.username, record = excluded.record`,
				a.ClientID, a.LegacyID, store.FoldUsername(a.Username), raw)
			if err != nil {
				return contractError(err, "legacy account "+a.LegacyID, store.ErrConflict)
			}
		}
		return nil
	})
}

// GetLegacyAccount returns a client's legacy account by its legacy ID.
func (s *legacyRecords) GetLegacyAccount(ctx context.Context, clientID, legacyID string) (store.LegacyAccount, error) {
	return pairRecord[store.LegacyAccount](ctx, s.base, "legacy_accounts", "legacy_id", clientID, legacyID, "legacy account")
}

// GetLegacyAccountByUsername finds it by its folded username.
func (s *legacyRecords) GetLegacyAccountByUsername(ctx context.Context, clientID, username string) (store.LegacyAccount, error) {
	return pairRecord[store.LegacyAccount](ctx, s.base, "legacy_accounts", "username", clientID, store.FoldUsername(username), "legacy account")
}

// CreateLegacyLink inserts the answer: the primary key refuses a second
// answer and the unique legacy_id a second account (ErrAlreadyExists),
// the foreign key a legacy ID never imported (ErrNotFound).
func (s *legacyRecords) CreateLegacyLink(ctx context.Context, l store.LegacyLink) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("store/postgres: %w", err)
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("store/postgres: encode legacy link: %w", err)
	}
	_, err = s.exec(ctx, "INSERT INTO legacy_links (client_id, account_id, legacy_id, record) VALUES ($1, $2, $3, $4)",
		l.ClientID, l.AccountID, nullString(l.LegacyID), raw)
	return contractError(err, "legacy link", store.ErrAlreadyExists)
}

// GetLegacyLink returns the account's answer to the client's step.
func (s *legacyRecords) GetLegacyLink(ctx context.Context, clientID, accountID string) (store.LegacyLink, error) {
	return pairRecord[store.LegacyLink](ctx, s.base, "legacy_links", "account_id", clientID, accountID, "legacy link")
}

// GetLegacyLinkByLegacyID finds the link made to a legacy account.
func (s *legacyRecords) GetLegacyLinkByLegacyID(ctx context.Context, clientID, legacyID string) (store.LegacyLink, error) {
	return pairRecord[store.LegacyLink](ctx, s.base, "legacy_links", "legacy_id", clientID, legacyID, "legacy link")
}

// DeleteLegacyLink removes the account's answer.
func (s *legacyRecords) DeleteLegacyLink(ctx context.Context, clientID, accountID string) error {
	tag, err := s.exec(ctx, "DELETE FROM legacy_links WHERE client_id = $1 AND account_id = $2", clientID, accountID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store/postgres: legacy link: %w", store.ErrNotFound)
	}
	return nil
}

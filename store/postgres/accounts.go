package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

var accounts = table[store.Account]{noun: "account", name: "accounts", key: "id",
	keyOf:   func(a store.Account) any { return a.ID },
	cols:    []string{"urn"},
	vals:    func(a store.Account) []any { return []any{a.URN} },
	decoded: decoded.Accounts}

// errEmptyURN refuses an account without a User Reference Number.
var errEmptyURN = errors.New("store/postgres: account has an empty URN")

// CreateAccount stores an account and its first link in one transaction:
// the primary key, the URN's unique constraint and the link's primary key
// refuse a duplicate (ErrAlreadyExists), and a refused link rolls the
// account back.
func (s *accountRecords) CreateAccount(ctx context.Context, a store.Account, first store.Link) error {
	if first.AccountID == "" {
		first.AccountID = a.ID
	}
	if first.AccountID != a.ID {
		return fmt.Errorf("store/postgres: first link names account %q, not %q: %w", first.AccountID, a.ID, store.ErrConflict)
	}
	if a.URN == "" {
		return errEmptyURN
	}
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := accounts.insert(ctx, tx, a); err != nil {
			return err
		}
		return insertLink(ctx, tx, first)
	})
}

// GetAccount returns the account with this internal ID.
func (s *accountRecords) GetAccount(ctx context.Context, id string) (store.Account, error) {
	return accounts.getSeen(ctx, s.base, id)
}

// GetAccountByURN returns the account with this User Reference Number.
func (s *accountRecords) GetAccountByURN(ctx context.Context, urn string) (store.Account, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.Account](s.base, s.pool.QueryRow(ctx, "SELECT record FROM accounts WHERE urn = $1", urn), accounts.noun)
}

// UpdateAccount applies fn to the account. A URN another account holds is
// ErrConflict (the unique constraint on accounts.urn).
func (s *accountRecords) UpdateAccount(ctx context.Context, id string, fn func(store.Account) (store.Account, error)) error {
	return accounts.update(ctx, s.base, id, func(old store.Account) (store.Account, error) {
		a, err := fn(old)
		if err == nil && a.URN == "" {
			return a, errEmptyURN
		}
		return a, err
	}, nil)
}

// CreateLink links an upstream identity to an existing account: the
// foreign key on links.account_id makes a missing account ErrNotFound.
func (s *accountRecords) CreateLink(ctx context.Context, l store.Link) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return insertLink(ctx, s.pool, l)
}

// insertLink adds a link; (provider, subject) is its primary key.
func insertLink(ctx context.Context, q querier, l store.Link) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("store/postgres: encode link: %w", err)
	}
	_, err = q.Exec(ctx, "INSERT INTO links (provider, subject, account_id, record) VALUES ($1, $2, $3, $4)",
		l.Provider, l.Subject, l.AccountID, raw)
	return contractError(err, "link", store.ErrAlreadyExists)
}

// GetLink returns the link of an upstream identity.
func (s *accountRecords) GetLink(ctx context.Context, provider, subject string) (store.Link, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.Link](s.base, s.pool.QueryRow(ctx,
		"SELECT record FROM links WHERE provider = $1 AND subject = $2", provider, subject), "link")
}

// GetLinkWithAccount reads the link of an upstream identity, its account
// and the account's factors in one statement (withAccount).
func (s *accountRecords) GetLinkWithAccount(ctx context.Context, provider, subject string) (store.Link, store.Account, []store.Factor, error) {
	var raw []byte
	a, fs, found, err := s.withAccount(ctx, "l.record", "links l", "l.account_id",
		"l.provider = $1 AND l.subject = $2", []any{provider, subject}, &raw)
	if err != nil {
		return store.Link{}, store.Account{}, nil, err
	}
	link := table[store.Link]{noun: "link"}
	if raw == nil {
		return store.Link{}, store.Account{}, nil, link.notFound()
	}
	l, err := link.decode(raw)
	if err != nil {
		return store.Link{}, store.Account{}, nil, err
	}
	if !found {
		return l, store.Account{}, nil, accounts.notFound()
	}
	return l, a, fs, nil
}

// ListLinks returns the links of an account (none for an unknown account),
// ordered by provider then subject.
func (s *accountRecords) ListLinks(ctx context.Context, accountID string) ([]store.Link, error) {
	return queryRecords[store.Link](ctx, s.base, "link",
		"SELECT record FROM links WHERE account_id = $1 ORDER BY provider, subject", accountID)
}

// DeleteLink removes a link.
func (s *accountRecords) DeleteLink(ctx context.Context, provider, subject string) error {
	tag, err := s.exec(ctx, "DELETE FROM links WHERE provider = $1 AND subject = $2", provider, subject)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store/postgres: link: %w", store.ErrNotFound)
	}
	return nil
}

// ListAccounts returns at most limit accounts with an ID after after, in
// ID order (the primary key's index).
func (s *accountRecords) ListAccounts(ctx context.Context, after string, limit int) ([]store.Account, error) {
	return queryRecords[store.Account](ctx, s.base, accounts.noun,
		"SELECT record FROM accounts WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
)

var assistRequests = table[store.AssistRequest]{noun: "assist request", name: "assist_requests", key: "id",
	keyOf: func(a store.AssistRequest) any { return a.ID },
	cols:  []string{"client_id", "account_id", "open", "created_at"},
	vals:  func(a store.AssistRequest) []any { return []any{a.ClientID, a.AccountID, a.Open(), a.CreatedAt} }}

// ImportClientRecords upserts every record in one transaction: the
// unique (client_id, key) refuses a key another record holds
// (ErrConflict) and rolls the whole list back.
func (s *recordRecords) ImportClientRecords(ctx context.Context, list []store.ClientRecord) error {
	for _, r := range list {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("store/postgres: %w", err)
		}
	}
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range list {
			raw, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("store/postgres: encode client record: %w", err)
			}
			_, err = tx.Exec(ctx, `INSERT INTO client_records (client_id, record_id, key, record) VALUES ($1, $2, $3, $4)
				ON CONFLICT (client_id, record_id) DO UPDATE SET key = excluded.key, record = excluded.record`,
				r.ClientID, r.RecordID, r.Key, raw)
			if err != nil {
				return contractError(err, "client record "+r.RecordID, store.ErrConflict)
			}
		}
		return nil
	})
}

// GetClientRecord returns a client's record by its ID.
func (s *recordRecords) GetClientRecord(ctx context.Context, clientID, recordID string) (store.ClientRecord, error) {
	return pairRecord[store.ClientRecord](ctx, s.base, "client_records", "record_id", clientID, recordID, "client record")
}

// GetClientRecordByKey finds a client's record by its key attribute.
func (s *recordRecords) GetClientRecordByKey(ctx context.Context, clientID, key string) (store.ClientRecord, error) {
	return pairRecord[store.ClientRecord](ctx, s.base, "client_records", "key", clientID, key, "client record")
}

// CreateRecordLink inserts the link: the primary key refuses a second
// link of the account and the unique record_id a second account
// (ErrAlreadyExists), the foreign key a record the client lacks
// (ErrNotFound).
func (s *recordRecords) CreateRecordLink(ctx context.Context, l store.RecordLink) error {
	if l.ClientID == "" || l.AccountID == "" || l.RecordID == "" {
		return fmt.Errorf("store/postgres: record link needs a client, an account and a record")
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("store/postgres: encode record link: %w", err)
	}
	_, err = s.exec(ctx, "INSERT INTO record_links (client_id, account_id, record_id, record) VALUES ($1, $2, $3, $4)",
		l.ClientID, l.AccountID, l.RecordID, raw)
	return contractError(err, "record link", store.ErrAlreadyExists)
}

// GetRecordLink returns the record the account linked for the client.
func (s *recordRecords) GetRecordLink(ctx context.Context, clientID, accountID string) (store.RecordLink, error) {
	return pairRecord[store.RecordLink](ctx, s.base, "record_links", "account_id", clientID, accountID, "record link")
}

// DeleteRecordLink removes the account's link to a record of the client.
func (s *recordRecords) DeleteRecordLink(ctx context.Context, clientID, accountID string) error {
	tag, err := s.exec(ctx, "DELETE FROM record_links WHERE client_id = $1 AND account_id = $2", clientID, accountID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store/postgres: record link: %w", store.ErrNotFound)
	}
	return nil
}

// CreateAssistRequest inserts a; the partial unique index refuses a
// second open request of the account for the client.
func (s *recordRecords) CreateAssistRequest(ctx context.Context, a store.AssistRequest) error {
	if a.ID == "" || a.ClientID == "" || a.AccountID == "" {
		return fmt.Errorf("store/postgres: assist request needs an ID, a client and an account")
	}
	return assistRequests.create(ctx, s.base, a)
}

// GetAssistRequest returns the request with this ID.
func (s *recordRecords) GetAssistRequest(ctx context.Context, id string) (store.AssistRequest, error) {
	return assistRequests.get(ctx, s.base, id)
}

// ListAssistRequests returns the client's requests, oldest first.
func (s *recordRecords) ListAssistRequests(ctx context.Context, clientID string) ([]store.AssistRequest, error) {
	return assistRequests.list(ctx, s.base,
		"SELECT record FROM assist_requests WHERE client_id = $1 ORDER BY created_at, id", clientID)
}

// UpdateAssistRequest applies fn in one transaction; a request keeps its
// client and account, and once resolved stays so (ErrConflict).
func (s *recordRecords) UpdateAssistRequest(ctx context.Context, id string, fn func(store.AssistRequest) (store.AssistRequest, error)) error {
	return assistRequests.update(ctx, s.base, id, fn, func(_ context.Context, _ pgx.Tx, old, a store.AssistRequest) error {
		if a.ClientID != old.ClientID || a.AccountID != old.AccountID || a.Open() && !old.Open() {
			return fmt.Errorf("store/postgres: an assist request keeps its client and account, and stays resolved: %w", store.ErrConflict)
		}
		return nil
	})
}

// pairRecord reads the record of table whose client_id is clientID and
// whose col is value.
func pairRecord[T any](ctx context.Context, s *base, table, col, clientID, value, noun string) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[T](s, s.pool.QueryRow(ctx,
		"SELECT record FROM "+table+" WHERE client_id = $1 AND "+col+" = $2", clientID, value), noun)
}

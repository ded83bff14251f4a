package bolt

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

var (
	recordByKey = unique[store.ClientRecord]{index: indexRecordByKey,
		value: func(r store.ClientRecord) []byte { return pairKey(r.ClientID, r.Key) }}
	recordLinkByRecord = unique[store.RecordLink]{index: indexRecordLinkByRecord,
		value: func(l store.RecordLink) []byte { return pairKey(l.ClientID, l.RecordID) }}
)

// ImportClientRecords writes the list in one transaction (putAll).
func (s *recordRecords) ImportClientRecords(ctx context.Context, list []store.ClientRecord) error {
	return putAll(ctx, s.base, rpRecords, recordByKey, list, store.ClientRecord.Validate)
}

// GetClientRecord returns a client's record by its ID.
func (s *recordRecords) GetClientRecord(ctx context.Context, clientID, recordID string) (store.ClientRecord, error) {
	return get(ctx, s.base, rpRecords, pairKey(clientID, recordID))
}

// GetClientRecordByKey finds a client's record by its key attribute.
func (s *recordRecords) GetClientRecordByKey(ctx context.Context, clientID, key string) (store.ClientRecord, error) {
	return getByIndex(ctx, s.base, rpRecords, indexRecordByKey, pairKey(clientID, key))
}

// CreateRecordLink stores the link (createLinkTo).
func (s *recordRecords) CreateRecordLink(ctx context.Context, l store.RecordLink) error {
	if l.ClientID == "" || l.AccountID == "" || l.RecordID == "" {
		return fmt.Errorf("store/bolt: record link needs a client, an account and a record")
	}
	return createLinkTo(ctx, s.base, recordLinks, l, bucketClientRecords, pairKey(l.ClientID, l.RecordID), recordLinkByRecord)
}

// GetRecordLink returns the record the account linked for the client.
func (s *recordRecords) GetRecordLink(ctx context.Context, clientID, accountID string) (store.RecordLink, error) {
	return get(ctx, s.base, recordLinks, pairKey(clientID, accountID))
}

// DeleteRecordLink removes the link and its index entry.
func (s *recordRecords) DeleteRecordLink(ctx context.Context, clientID, accountID string) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		l, err := getLive(s.base, tx, recordLinks, pairKey(clientID, accountID))
		if err != nil {
			return refuse(err)
		}
		if err := tx.Bucket(indexRecordLinkByRecord).Delete(recordLinkByRecord.value(l)); err != nil {
			return err
		}
		return drop(tx, recordLinks, l)
	})
}

// CreateAssistRequest stores a, indexed as the account's open request.
func (s *recordRecords) CreateAssistRequest(ctx context.Context, a store.AssistRequest) error {
	if a.ID == "" || a.ClientID == "" || a.AccountID == "" {
		return fmt.Errorf("store/bolt: assist request needs an ID, a client and an account")
	}
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, assistRequests, a); err != nil {
			return err
		}
		open := pairKey(a.ClientID, a.AccountID)
		if a.Open() {
			if tx.Bucket(indexAssistOpen).Get(open) != nil {
				return refuse(fmt.Errorf("store/bolt: an open assist request: %w", store.ErrAlreadyExists))
			}
			if err := tx.Bucket(indexAssistOpen).Put(open, []byte(a.ID)); err != nil {
				return err
			}
		}
		return save(tx, assistRequests, a)
	})
}

// GetAssistRequest returns the request with this ID.
func (s *recordRecords) GetAssistRequest(ctx context.Context, id string) (store.AssistRequest, error) {
	return get(ctx, s.base, assistRequests, []byte(id))
}

// ListAssistRequests scans the requests for the client's, oldest first.
func (s *recordRecords) ListAssistRequests(ctx context.Context, clientID string) ([]store.AssistRequest, error) {
	all, err := list(ctx, s.base, assistRequests)
	if err != nil {
		return nil, err
	}
	var out []store.AssistRequest
	for _, a := range all {
		if a.ClientID == clientID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b store.AssistRequest) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// UpdateAssistRequest applies fn; a request that closes leaves the open
// index.
func (s *recordRecords) UpdateAssistRequest(ctx context.Context, id string, fn func(store.AssistRequest) (store.AssistRequest, error)) error {
	return update(ctx, s.base, assistRequests, []byte(id), fn, func(tx *bbolt.Tx, old, a store.AssistRequest) error {
		if a.ClientID != old.ClientID || a.AccountID != old.AccountID || a.Open() && !old.Open() {
			return refuse(fmt.Errorf("store/bolt: an assist request keeps its client and account, and stays resolved: %w", store.ErrConflict))
		}
		if old.Open() && !a.Open() {
			return tx.Bucket(indexAssistOpen).Delete(pairKey(a.ClientID, a.AccountID))
		}
		return nil
	})
}

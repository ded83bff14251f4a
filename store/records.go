package store

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// ClientRecord is a record of a relying party's own file (a certificate
// file, say) that a person may link to their account by proving they know
// it: its knowledge attributes, then a code sent to the email on file or
// one of the client's fallbacks (broker/steps/record). Values are stored
// normalized, as the step compares them.
type ClientRecord struct {
	ClientID string `json:"client_id"`
	RecordID string `json:"record_id"`
	// Key is the value of the client's first attribute (the certificate
	// number): the record is found by it, unique per client.
	Key string `json:"key"`
	// Attributes are the other knowledge attributes, by name.
	Attributes map[string]string `json:"attributes,omitempty"`
	Email      string            `json:"email"`
	Invoices   []Invoice         `json:"invoices,omitempty"`
	ImportedAt time.Time         `json:"imported_at"`
}

// Invoice is an invoice on a record's file, a fallback proof.
type Invoice struct {
	Number string    `json:"number"`
	Date   time.Time `json:"date"`
}

// LogValue keeps the attributes and address out of logs.
func (r ClientRecord) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client", r.ClientID), slog.String("record_id", r.RecordID))
}

// Validate refuses a record without its client, ID, key or email.
func (r ClientRecord) Validate() error {
	switch {
	case r.ClientID == "":
		return errors.New("client record has an empty client ID")
	case r.RecordID == "":
		return errors.New("client record has an empty record ID")
	case r.Key == "":
		return errors.New("client record has an empty key")
	case r.Email == "":
		return errors.New("client record has an empty email")
	}
	return nil
}

// Ways a record link was proven (RecordLink.Method).
const (
	RecordByCode    = "code"
	RecordByInvoice = "invoice"
	RecordByAgent   = "agent"
)

// RecordLink ties a client's record to an account: one per (client,
// account), and a record is linked to one account at most.
type RecordLink struct {
	ClientID  string    `json:"client_id"`
	AccountID string    `json:"account_id"`
	RecordID  string    `json:"record_id"`
	Method    string    `json:"method"`
	CreatedAt time.Time `json:"created_at"`
}

// AssistRequest is a person's request that an agent of the client check
// their identity and link a record for them, queued until an
// administrator resolves it. An account has at most one open request per
// client.
type AssistRequest struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"client_id"`
	AccountID  string    `json:"account_id"`
	RecordID   string    `json:"record_id"`
	CreatedAt  time.Time `json:"created_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Resolution is "linked" or "closed" once resolved.
	Resolution string `json:"resolution,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Open reports whether the request waits for an agent.
func (a AssistRequest) Open() bool { return a.ResolvedAt.IsZero() }

// Records stores the relying parties' record files, the links people made
// to their records, and the requests for an agent's help.
type Records interface {
	// ImportClientRecords stores every record of list in one
	// transaction, all or none; a record whose (client, record ID) is
	// stored already is replaced; a key held by another record of the
	// same client, stored or earlier in list, is ErrConflict.
	ImportClientRecords(ctx context.Context, list []ClientRecord) error
	GetClientRecord(ctx context.Context, clientID, recordID string) (ClientRecord, error)
	GetClientRecordByKey(ctx context.Context, clientID, key string) (ClientRecord, error)

	// CreateRecordLink records l: ErrAlreadyExists when the account has a
	// record of that client linked, or the record is linked to another
	// account; ErrNotFound when the client has no such record.
	CreateRecordLink(ctx context.Context, l RecordLink) error
	GetRecordLink(ctx context.Context, clientID, accountID string) (RecordLink, error)
	// DeleteRecordLink removes the account's link to a record of that
	// client (an administrator's unlink), freeing the record for
	// another link; ErrNotFound when there is none.
	DeleteRecordLink(ctx context.Context, clientID, accountID string) error

	// CreateAssistRequest queues a; ErrAlreadyExists when the account has
	// an open request for that client.
	CreateAssistRequest(ctx context.Context, a AssistRequest) error
	GetAssistRequest(ctx context.Context, id string) (AssistRequest, error)
	// ListAssistRequests returns a client's requests, oldest first.
	ListAssistRequests(ctx context.Context, clientID string) ([]AssistRequest, error)
	// UpdateAssistRequest applies fn; fn may not change the ID, client or
	// account.
	UpdateAssistRequest(ctx context.Context, id string, fn func(AssistRequest) (AssistRequest, error)) error
}

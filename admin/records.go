package admin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/store"
)

// ErrAlreadyLinked means the account has a record of the client linked,
// or the record is another account's. The HTTP API answers 409.
var ErrAlreadyLinked = errors.New("admin: the account or the record is already linked")

// AssistView is a request for an agent's help as support sees it.
type AssistView struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"client_id"`
	URN        string    `json:"urn"`
	RecordID   string    `json:"record_id"`
	CreatedAt  time.Time `json:"created_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	Resolution string    `json:"resolution,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// recordsOf is the record step's settings of a client of the
// configuration file.
func (s *Service) recordsOf(clientID string) (*record.Config, error) {
	for _, c := range s.config {
		if c.ID == clientID {
			if c.Records == nil {
				return nil, problemError(http.StatusBadRequest, nil, problem("client.no_records", clientID))
			}
			return c.Records, nil
		}
	}
	return nil, problemError(http.StatusNotFound, ErrNotFound, problem("client.unknown", clientID))
}

// ImportRecords imports a client's record file in format (FormatCSV or
// FormatJSON): CSV with the columns record_id, email, one per attribute
// of clients[].records.attributes, and optionally invoices
// ("number:YYYY-MM-DD" separated by ";"); JSON an array of objects with
// those fields, strings but invoices, an array of "number:YYYY-MM-DD"
// strings, its bad rows naming their entry as well as their line. Every
// bad row is reported with its line: an empty or malformed value, a
// record ID or key seen on an earlier line, or a key another record of
// the client holds. With bad rows nothing is imported (ErrBadRows) unless
// skipBad is set. A record imported again replaces the earlier one.
func (s *Service) ImportRecords(ctx context.Context, clientID string, r io.Reader, format string, skipBad bool) (ImportReport, error) {
	cfg, err := s.recordsOf(clientID)
	if err != nil {
		return ImportReport{}, err
	}
	rows, bad, err := readRecordFile(r, format, cfg)
	if err != nil {
		return ImportReport{}, refusedFile(err)
	}
	now := s.now()
	list := make([]store.ClientRecord, 0, len(rows))
	for _, row := range rows {
		held, err := s.st.GetClientRecordByKey(ctx, clientID, row.rec.Key)
		switch {
		case err == nil && held.RecordID != row.rec.RecordID:
			bad = append(bad, row.bad(problem("record.key_held", cfg.Attributes[0].Name, held.RecordID)))
			continue
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return ImportReport{}, err
		}
		rec := row.rec
		rec.ClientID, rec.ImportedAt = clientID, now
		list = append(list, rec)
	}
	return s.finishImport(ctx, "admin.record.import", clientID, len(list), bad, skipBad, func() error {
		return s.st.ImportClientRecords(ctx, list)
	})
}

// AssistRequests lists a client's requests for an agent's help, oldest
// first: the open ones, or all with all set.
func (s *Service) AssistRequests(ctx context.Context, clientID string, all bool) ([]AssistView, error) {
	if _, err := s.recordsOf(clientID); err != nil {
		return nil, err
	}
	list, err := s.st.ListAssistRequests(ctx, clientID)
	if err != nil {
		return nil, err
	}
	out := []AssistView{}
	for _, a := range list {
		if a.Open() || all {
			out = append(out, s.assistView(ctx, a))
		}
	}
	return out, nil
}

func (s *Service) assistView(ctx context.Context, a store.AssistRequest) AssistView {
	v := AssistView{ID: a.ID, ClientID: a.ClientID, RecordID: a.RecordID, CreatedAt: a.CreatedAt,
		ResolvedAt: a.ResolvedAt, Resolution: a.Resolution, Note: a.Note}
	if acct, err := s.st.GetAccount(ctx, a.AccountID); err == nil {
		v.URN = acct.URN
	}
	return v
}

// ResolveAssist resolves an open request: with link, the agent has
// confirmed the person and the record is linked to their account (method
// "agent"); without, the request is closed (the agent corrected the email
// on file, say, and the person links the record themselves). note is
// kept with the request.
func (s *Service) ResolveAssist(ctx context.Context, clientID, id string, link bool, note string) (AssistView, error) {
	if _, err := s.recordsOf(clientID); err != nil {
		return AssistView{}, err
	}
	a, err := s.st.GetAssistRequest(ctx, id)
	if err != nil || a.ClientID != clientID {
		return AssistView{}, fmt.Errorf("%w: no request %q for client %s", ErrNotFound, id, clientID)
	}
	if !a.Open() {
		return AssistView{}, badRequest("request %s is resolved already (%s)", id, a.Resolution)
	}
	resolution := "closed"
	if link {
		resolution = "linked"
		err := s.st.CreateRecordLink(ctx, store.RecordLink{ClientID: clientID, AccountID: a.AccountID, RecordID: a.RecordID,
			Method: store.RecordByAgent, CreatedAt: s.now()})
		if errors.Is(err, store.ErrAlreadyExists) {
			return AssistView{}, ErrAlreadyLinked
		}
		if err != nil {
			return AssistView{}, err
		}
	}
	err = s.st.UpdateAssistRequest(ctx, id, func(a store.AssistRequest) (store.AssistRequest, error) {
		a.ResolvedAt, a.Resolution, a.Note = s.now(), resolution, strings.TrimSpace(note)
		return a, nil
	})
	if err != nil {
		return AssistView{}, err
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.record.resolve", AccountID: a.AccountID, ClientID: clientID,
		Detail: map[string]string{"request": id, "record_id": a.RecordID, "resolution": resolution}})
	a, err = s.st.GetAssistRequest(ctx, id)
	return s.assistView(ctx, a), err
}

// RecordLinkView is an account's link to a record of a client.
type RecordLinkView struct {
	ClientID string    `json:"client_id"`
	URN      string    `json:"urn"`
	RecordID string    `json:"record_id"`
	Method   string    `json:"method"`
	At       time.Time `json:"at"`
	account  string    // the account's ID, for UnlinkRecord
}

// RecordLink shows the record of the client the account with this URN
// linked.
func (s *Service) RecordLink(ctx context.Context, clientID, urn string) (RecordLinkView, error) {
	if _, err := s.recordsOf(clientID); err != nil {
		return RecordLinkView{}, err
	}
	a, err := s.account(ctx, urn)
	if err != nil {
		return RecordLinkView{}, err
	}
	l, err := s.st.GetRecordLink(ctx, clientID, a.ID)
	if err != nil {
		return RecordLinkView{}, notFound(err, fmt.Sprintf("account %s has linked no record of client %s", a.URN, clientID))
	}
	return RecordLinkView{ClientID: clientID, URN: a.URN, RecordID: l.RecordID, Method: l.Method, At: l.CreatedAt, account: a.ID}, nil
}

// UnlinkRecord deletes the account's link to a record of the client (a
// record linked by mistake, or by someone who should not have): the
// record is free for another link, the client stops receiving its ID
// from the next token on, and the person's next sign-in to the client
// asks for a record again. Audited as admin.record.unlink; the owner
// gets a notice.
func (s *Service) UnlinkRecord(ctx context.Context, clientID, urn string) error {
	v, err := s.RecordLink(ctx, clientID, urn)
	if err != nil {
		return err
	}
	return s.unlinkAnswer(ctx, clientID, v.account, s.st.DeleteRecordLink, "admin.record.unlink", "record_id", v.RecordID)
}

// unlinkAnswer deletes the account's answer to one of the client's steps
// (a former account or a record it linked), shown just before, and
// audits it as kind with the answer's ID under key.
func (s *Service) unlinkAnswer(ctx context.Context, clientID, accountID string,
	del func(ctx context.Context, clientID, accountID string) error, kind, key, answer string) error {
	if err := del(ctx, clientID, accountID); err != nil {
		return notFound(err, "the link was deleted meanwhile")
	}
	s.audit(ctx, store.AuditEvent{Kind: kind, AccountID: accountID, ClientID: clientID, Detail: map[string]string{key: answer}})
	return nil
}

// finishImport ends an import: refused with bad rows unless skipBad,
// else put (one store transaction) and audited as kind.
func (s *Service) finishImport(ctx context.Context, kind, clientID string, good int, bad []BadRow, skipBad bool, put func() error) (ImportReport, error) {
	slices.SortFunc(bad, func(a, b BadRow) int { return cmp.Or(a.Line-b.Line, a.Entry-b.Entry) })
	out := ImportReport{Bad: bad}
	if len(bad) > 0 && !skipBad {
		return out, ErrBadRows
	}
	if good > 0 {
		if err := put(); err != nil {
			return out, fmt.Errorf("admin: nothing was imported: %w", err)
		}
	}
	out.Imported = good
	s.audit(ctx, store.AuditEvent{Kind: kind, ClientID: clientID,
		Detail: map[string]string{"imported": strconv.Itoa(good), "skipped": strconv.Itoa(len(bad))}})
	return out, nil
}

package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/store"
)

// ErrBadRows means an import file has rows that cannot be imported, and
// nothing was imported (ImportReport.Bad lists them). The HTTP API
// answers 400.
var ErrBadRows = errors.New("admin: the file has bad rows; nothing was imported")

// ImportReport is the outcome of an import: how many accounts or records
// were imported, and every bad row.
type ImportReport struct {
	Imported int      `json:"imported"`
	Bad      []BadRow `json:"bad,omitempty"`
}

// LegacyLinkView is an account's answer to a client's legacy step.
type LegacyLinkView struct {
	ClientID string `json:"client_id"`
	URN      string `json:"urn"`
	// LegacyID is the legacy account linked; empty when the person said
	// they never had one.
	LegacyID string    `json:"legacy_id,omitempty"`
	At       time.Time `json:"at"`
	account  string    // the account's ID, for UnlinkLegacy
}

// legacyClient checks that clientID is a client of the configuration file
// whose steps list legacy (steps are set only there).
func (s *Service) legacyClient(clientID string) error {
	for _, c := range s.config {
		if c.ID == clientID {
			if !slices.Contains(c.Steps, legacy.Name) {
				return problemError(http.StatusBadRequest, nil, problem("client.no_legacy", clientID))
			}
			return nil
		}
	}
	return problemError(http.StatusNotFound, ErrNotFound, problem("client.unknown", clientID))
}

// ImportLegacy imports a client's legacy accounts from a CSV or JSON file
// (format FormatCSV or FormatJSON; columns legacy_id, username,
// password_hash and, optionally, email). Every bad row is reported with
// its line: a row with an empty or overlong field, a password hash that
// is not bcrypt, PBKDF2 or argon2 (passhash), an email that is not an
// address, a legacy ID or username seen on an earlier line, or a username
// already held by another legacy ID of the client. A JSON file is an
// array of objects with those fields, all strings; its bad rows name
// their entry (1 is the first) as well as their line. The reports come
// from the import catalogue (Problem), in English or French. With bad rows nothing
// is imported (ErrBadRows) unless skipBad is set; then the good rows are.
// An account imported again replaces the earlier one. The import is one
// store transaction: all of it or nothing.
func (s *Service) ImportLegacy(ctx context.Context, clientID string, r io.Reader, format string, skipBad bool) (ImportReport, error) {
	if err := s.legacyClient(clientID); err != nil {
		return ImportReport{}, err
	}
	rows, bad, err := readLegacyFile(r, format)
	if err != nil {
		return ImportReport{}, refusedFile(err)
	}
	list := make([]store.LegacyAccount, 0, len(rows))
	now := s.now()
	for _, row := range rows {
		held, err := s.st.GetLegacyAccountByUsername(ctx, clientID, row.acct.Username)
		switch {
		case err == nil && held.LegacyID != row.acct.LegacyID:
			bad = append(bad, row.bad(problem("legacy.username_held", row.acct.Username, held.LegacyID)))
			continue
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return ImportReport{}, err
		}
		a := row.acct
		a.ClientID, a.ImportedAt = clientID, now
		list = append(list, a)
	}
	return s.finishImport(ctx, "admin.legacy.import", clientID, len(list), bad, skipBad, func() error {
		return s.st.ImportLegacyAccounts(ctx, list)
	})
}

// LegacyLink shows the answer to the client's legacy step of the account
// with this URN.
func (s *Service) LegacyLink(ctx context.Context, clientID, urn string) (LegacyLinkView, error) {
	if err := s.legacyClient(clientID); err != nil {
		return LegacyLinkView{}, err
	}
	a, err := s.account(ctx, urn)
	if err != nil {
		return LegacyLinkView{}, err
	}
	l, err := s.st.GetLegacyLink(ctx, clientID, a.ID)
	if err != nil {
		return LegacyLinkView{}, notFound(err, fmt.Sprintf("account %s has not answered client %s's legacy step", a.URN, clientID))
	}
	return LegacyLinkView{ClientID: clientID, URN: a.URN, LegacyID: l.LegacyID, At: l.CreatedAt, account: a.ID}, nil
}

// LegacyHolder shows which account linked the client's legacy account.
func (s *Service) LegacyHolder(ctx context.Context, clientID, legacyID string) (LegacyLinkView, error) {
	if err := s.legacyClient(clientID); err != nil {
		return LegacyLinkView{}, err
	}
	l, err := s.st.GetLegacyLinkByLegacyID(ctx, clientID, legacyID)
	if err != nil {
		return LegacyLinkView{}, notFound(err, fmt.Sprintf("legacy account %q of client %s is linked to no account", legacyID, clientID))
	}
	a, err := s.st.GetAccount(ctx, l.AccountID)
	if err != nil {
		return LegacyLinkView{}, notFound(err, "the linked account no longer exists")
	}
	return LegacyLinkView{ClientID: clientID, URN: a.URN, LegacyID: l.LegacyID, At: l.CreatedAt}, nil
}

// UnlinkLegacy deletes the account's answer to the client's legacy step:
// the legacy account is free again, the client stops receiving its ID,
// and the person's next sign-in to the client asks again.
func (s *Service) UnlinkLegacy(ctx context.Context, clientID, urn string) error {
	v, err := s.LegacyLink(ctx, clientID, urn)
	if err != nil {
		return err
	}
	return s.unlinkAnswer(ctx, clientID, v.account, s.st.DeleteLegacyLink, "admin.legacy.unlink", "legacy_id", v.LegacyID)
}

package store

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
)

// LegacyAccount is an account of a relying party's former sign-in system,
// imported so that its owner can claim it once (passerelle legacy
// import). The password hash is the old system's, kept as it was (a
// bcrypt hash or a PHC string for PBKDF2 or argon2); Passerelle never
// learns the password itself.
type LegacyAccount struct {
	ClientID     string    `json:"client_id"`
	LegacyID     string    `json:"legacy_id"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"password_hash"`
	Email        string    `json:"email,omitempty"`
	ImportedAt   time.Time `json:"imported_at"`
}

// LogValue keeps the hash, username and address out of logs.
func (a LegacyAccount) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client", a.ClientID), slog.String("legacy_id", a.LegacyID))
}

// Validate refuses a legacy account without its client, ID, username or
// hash. Backends call it before writing.
func (a LegacyAccount) Validate() error {
	switch {
	case a.ClientID == "":
		return errors.New("legacy account has an empty client ID")
	case a.LegacyID == "":
		return errors.New("legacy account has an empty legacy ID")
	case FoldUsername(a.Username) == "":
		return errors.New("legacy account has an empty username")
	case a.PasswordHash == "":
		return errors.New("legacy account has an empty password hash")
	}
	return nil
}

// FoldUsername is the form a legacy username is looked up by: trimmed
// and lower-cased, as most former systems compared them.
func FoldUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// LegacyLink is an account's answer to a client's legacy step: the
// legacy account it proved it owns, or none (LegacyID empty) when the
// person said they never had one. There is at most one per (client,
// account), and a legacy ID is linked to one account at most.
type LegacyLink struct {
	ClientID  string    `json:"client_id"`
	AccountID string    `json:"account_id"`
	LegacyID  string    `json:"legacy_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate refuses a link without its client or account.
func (l LegacyLink) Validate() error {
	switch {
	case l.ClientID == "":
		return errors.New("legacy link has an empty client ID")
	case l.AccountID == "":
		return errors.New("legacy link has an empty account ID")
	}
	return nil
}

// Legacy stores the relying parties' imported legacy accounts and the
// links people made to them.
type Legacy interface {
	// ImportLegacyAccounts stores every account of list in one
	// transaction, all or none. An account whose (client, legacy ID) is
	// stored already replaces it (a corrected file is imported again);
	// a folded username held by another legacy ID of the same client,
	// in the store or earlier in list, is ErrConflict.
	ImportLegacyAccounts(ctx context.Context, list []LegacyAccount) error
	GetLegacyAccount(ctx context.Context, clientID, legacyID string) (LegacyAccount, error)
	// GetLegacyAccountByUsername finds a client's legacy account by its
	// username, compared folded (FoldUsername).
	GetLegacyAccountByUsername(ctx context.Context, clientID, username string) (LegacyAccount, error)

	// CreateLegacyLink records l: ErrAlreadyExists when the account has
	// answered that client's step already, or when l's legacy ID is
	// linked to another account; ErrNotFound when l names a legacy ID the
	// client has not imported.
	CreateLegacyLink(ctx context.Context, l LegacyLink) error
	GetLegacyLink(ctx context.Context, clientID, accountID string) (LegacyLink, error)
	// GetLegacyLinkByLegacyID finds the link made to a legacy account.
	GetLegacyLinkByLegacyID(ctx context.Context, clientID, legacyID string) (LegacyLink, error)
	// DeleteLegacyLink removes the account's answer for that client, so
	// its next sign-in asks again.
	DeleteLegacyLink(ctx context.Context, clientID, accountID string) error
}

package store

import (
	"bytes"
	"fmt"
	"log/slog"
	"time"
)

// Factor kinds.
const (
	FactorTOTP     = "totp"
	FactorEmail    = "email"
	FactorWebAuthn = "webauthn"
	FactorRecovery = "recovery"
)

// Factor is a second factor enrolled on an account. Secret material is
// sealed (TOTP secrets, WebAuthn credentials) or hashed (recovery codes);
// the store never sees it in the clear.
type Factor struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	Name      string `json:"name,omitempty"` // chosen by the person
	// Sealed holds the factor's secret, sealed with kind "factor" and the
	// factor ID: a TOTP key, or a WebAuthn credential (JSON).
	Sealed []byte `json:"sealed,omitempty"`
	// CredentialID is a WebAuthn credential ID, unique across factors.
	CredentialID []byte `json:"credential_id,omitempty"`
	// Email is the address an email factor sends codes to.
	Email string `json:"email,omitempty"`
	// LastStep is the last accepted TOTP time step: a code of that step or
	// an earlier one is a replay.
	LastStep int64 `json:"last_step,omitempty"`
	// SignCount is the WebAuthn signature counter last seen.
	SignCount uint32 `json:"sign_count,omitempty"`
	// Codes are the hashed recovery codes of a recovery factor.
	Codes      []RecoveryCode `json:"codes,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	LastUsedAt time.Time      `json:"last_used_at,omitempty"`
}

// RecoveryCode is one single-use recovery code, hashed.
type RecoveryCode struct {
	Hash   []byte    `json:"hash"`
	UsedAt time.Time `json:"used_at,omitempty"`
}

// LogValue keeps secrets and addresses out of logs.
func (f Factor) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", f.ID), slog.String("kind", f.Kind))
}

// OTP is a one-time code sent by email (sign-in, address confirmation,
// password reset), stored hashed, single use, short-lived.
type OTP struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Purpose   string    `json:"purpose"`
	Hash      []byte    `json:"hash"`
	Email     string    `json:"email,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	Consumed  bool      `json:"consumed,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LogValue keeps the hash and address out of logs.
func (o OTP) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", o.ID), slog.String("purpose", o.Purpose))
}

// AuditEvent is one entry of the persisted audit log.
type AuditEvent struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Kind      string            `json:"kind"` // e.g. signin, link, factor.add, lockout, admin.client.add
	AccountID string            `json:"account_id,omitempty"`
	ClientID  string            `json:"client_id,omitempty"`
	Actor     string            `json:"actor,omitempty"` // who did it: the person, admin, system
	Outcome   string            `json:"outcome,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// CheckFactorOwner refuses, for UpdateAccountFactor, a factor that is not
// one of the account's: it reads as missing (ErrNotFound).
func CheckFactorOwner(accountID string, f Factor) error {
	if f.AccountID != accountID {
		return fmt.Errorf("store: factor %q is not a factor of account %q: %w", f.ID, accountID, ErrNotFound)
	}
	return nil
}

// CheckAccountFactor refuses, for UpdateAccountFactor, a change of what
// identifies or indexes the records (ErrConflict): the account's ID and
// URN, the factor's ID, account, credential ID and creation time. What
// the update is for (the failure count, the factor's last step, sign
// count or codes) carries no index, so a backend writes both records
// without moving an index entry.
func CheckAccountFactor(oldA, a Account, oldF, f Factor) error {
	switch {
	case a.ID != oldA.ID || a.URN != oldA.URN:
		return fmt.Errorf("store: account and factor update may not change the account's ID or URN: %w", ErrConflict)
	case f.ID != oldF.ID || f.AccountID != oldF.AccountID || !bytes.Equal(f.CredentialID, oldF.CredentialID) ||
		!f.CreatedAt.Equal(oldF.CreatedAt):
		return fmt.Errorf("store: account and factor update may not change the factor's ID, account, credential ID or creation time: %w", ErrConflict)
	}
	return nil
}

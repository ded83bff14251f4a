package store

import (
	"log/slog"
	"time"
)

// LocalUser is a credential of the built-in username/password service
// (providers/local): a GCKey-like credential, linked to an account like
// any upstream identity (provider = the local provider's ID, subject =
// ID). Username and Email are unique, compared as stored (the service
// normalises them first).
type LocalUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	// PasswordHash is an argon2id hash in the PHC string format.
	PasswordHash string `json:"password_hash"`
	Confirmed    bool   `json:"confirmed,omitempty"`
	// ExpiresAt is set while the email is not confirmed: an unconfirmed
	// registration is swept after it, freeing the username and email.
	ExpiresAt         time.Time `json:"expires_at,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
}

// LogValue keeps the hash, username and email out of logs.
func (u LocalUser) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID))
}

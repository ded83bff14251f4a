package storetest

import (
	"time"

	"github.com/passerelle/passerelle/store"
)

// Record builders for factors, one-time codes and audit events: every
// field a backend must keep is set, so a dropped column shows up as a
// JSON difference.

// factor builds a factor of the given kind with that kind's fields set; a
// WebAuthn factor's credential ID is credentialID(id).
func factor(id, accountID, kind string, createdAt time.Time) store.Factor {
	f := store.Factor{
		ID:         id,
		AccountID:  accountID,
		Kind:       kind,
		Name:       "factor " + id,
		CreatedAt:  createdAt,
		LastUsedAt: createdAt.Add(time.Minute),
	}
	switch kind {
	case store.FactorTOTP:
		f.Sealed, f.LastStep = []byte("sealed-totp-"+id), 59012345
	case store.FactorWebAuthn:
		f.Sealed, f.CredentialID, f.SignCount = []byte("sealed-cred-"+id), credentialID(id), 7
	case store.FactorEmail:
		f.Email = id + "@example.ca"
	case store.FactorRecovery:
		f.Codes = []store.RecoveryCode{
			{Hash: store.HashToken("rc-1-" + id)},
			{Hash: store.HashToken("rc-2-" + id), UsedAt: createdAt.Add(time.Hour)},
		}
	}
	return f
}

// credentialID is the WebAuthn credential ID the factor builder gives id.
func credentialID(id string) []byte { return []byte("cred-" + id) }

func otp(id, accountID string, ttl time.Duration) store.OTP {
	return store.OTP{
		ID:        id,
		AccountID: accountID,
		Purpose:   "signin",
		Hash:      store.HashToken("otp-" + id),
		Email:     accountID + "@example.ca",
		Attempts:  1,
		CreatedAt: epoch,
		ExpiresAt: epoch.Add(ttl),
	}
}

func auditEvent(id string, at time.Time) store.AuditEvent {
	return store.AuditEvent{
		ID:        id,
		Time:      at,
		Kind:      "signin",
		AccountID: "acct-1",
		ClientID:  "portal",
		Actor:     "person",
		Outcome:   "success",
		Detail:    map[string]string{"provider": "gckey", "amr": "pwd otp"},
	}
}

package webauthn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	wa "github.com/go-webauthn/webauthn/webauthn"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

var (
	// ErrInvalid means the browser's response does not prove possession of
	// a registered key for this ceremony: tampered, for another challenge
	// or origin, expired, or from an unknown credential. The wrapped error
	// carries go-webauthn's detail for logs; show the person a generic
	// message.
	ErrInvalid = errors.New("webauthn: invalid response")
	// ErrCloned means a valid signature came with a signature counter that
	// did not increase: the key may have been copied. Refuse the sign-in
	// and audit it.
	ErrCloned = errors.New("webauthn: signature counter did not increase (possible cloned authenticator)")
	// ErrNoCredential means the account has no WebAuthn factor to sign in
	// with.
	ErrNoCredential = errors.New("webauthn: the account has no registered security key")
)

// sealKind is the record kind credentials are sealed under, with the
// factor ID (see store.Factor.Sealed).
const sealKind = "factor"

// Factor runs WebAuthn registration and login ceremonies for the broker.
// It is safe for concurrent use.
type Factor struct {
	wa     *wa.WebAuthn
	sealer *store.Sealer
}

// User is what a ceremony needs to know of the account.
type User struct {
	// AccountID is the account's internal random ID. It is the WebAuthn
	// user handle, so it must be 1 to 64 bytes; it says nothing about the
	// person.
	AccountID string
	// Name identifies the account in the authenticator's account picker:
	// the URN, never an email address unless that is all there is.
	Name string
	// DisplayName is a friendlier label; Name is used when it is empty.
	DisplayName string
}

// New returns a Factor for cfg (defaults applied, then validated) that
// seals credentials with sealer.
func New(cfg Config, sealer *store.Sealer) (*Factor, error) {
	if sealer == nil {
		return nil, errors.New("webauthn: a sealer is required")
	}
	cfg.SetDefaults()
	var ps validate.Problems
	cfg.Validate(&ps, "webauthn")
	if err := ps.Err(); err != nil {
		return nil, err
	}
	w, err := wa.New(&wa.Config{
		RPID:          cfg.RPID,
		RPDisplayName: cfg.RPDisplayName,
		RPOrigins:     cfg.Origins,
		// No attestation: Passerelle does not restrict key models, and
		// attestation would only tell it which model a person owns.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirement(cfg.ResidentKey),
			UserVerification: protocol.UserVerificationRequirement(cfg.UserVerification),
		},
		// Passerelle asks for no extension and reads no output; some
		// clients and password managers add outputs nobody asked for,
		// which WebAuthn Level 2 and later no longer require refusing.
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
		// A session expires with the browser's own timeout (go-webauthn's
		// defaults: five minutes, two when verification is discouraged).
		Timeouts: wa.TimeoutsConfig{
			Login:        wa.TimeoutConfig{Enforce: true},
			Registration: wa.TimeoutConfig{Enforce: true},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn: %w", err)
	}
	return &Factor{wa: w, sealer: sealer}, nil
}

// BeginRegistration starts enrolling a key for u. optionsJSON is the
// argument to navigator.credentials.create ({"publicKey": {...}}, binary
// fields base64url-encoded, as webauthn.js expects it); session is an
// opaque blob the broker keeps server side and hands, once, to
// FinishRegistration. The credentials of existing (the account's factors)
// are excluded, so a key cannot be enrolled twice.
func (f *Factor) BeginRegistration(u User, existing []store.Factor) (optionsJSON []byte, session []byte, err error) {
	wu, err := newUser(u, nil)
	if err != nil {
		return nil, nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, x := range webauthnFactors(u.AccountID, existing) {
		exclude = append(exclude, protocol.CredentialDescriptor{
			Type:         protocol.PublicKeyCredentialType,
			CredentialID: x.CredentialID,
		})
	}
	creation, data, err := f.wa.BeginRegistration(wu, wa.WithExclusions(exclude))
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin registration: %w", err)
	}
	return f.sealSession(ceremonyRegister, u.AccountID, creation, data)
}

// FinishRegistration checks the browser's response (the PublicKeyCredential
// as JSON, as webauthn.js posts it) against session and returns the new
// factor, ready for store.CreateFactor: a random ID, the credential sealed
// under that ID, name (trimmed) as the person chose it, created at now.
// A response that does not verify, or a session that does not open, is
// ErrInvalid.
func (f *Factor) FinishRegistration(u User, session []byte, response []byte, name string, now time.Time) (store.Factor, error) {
	wu, err := newUser(u, nil)
	if err != nil {
		return store.Factor{}, err
	}
	data, err := f.openSession(ceremonyRegister, u.AccountID, session)
	if err != nil {
		return store.Factor{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return store.Factor{}, invalid(err)
	}
	cred, err := f.wa.CreateCredential(wu, data, parsed)
	if err != nil {
		return store.Factor{}, invalid(err)
	}
	plain, err := json.Marshal(cred)
	if err != nil {
		return store.Factor{}, fmt.Errorf("webauthn: encode credential: %w", err)
	}
	id := randid.Base64URL(16) // the factor's ID
	sealed, err := f.sealer.Seal(sealKind, id, plain)
	if err != nil {
		return store.Factor{}, err
	}
	return store.Factor{
		ID:           id,
		AccountID:    u.AccountID,
		Kind:         store.FactorWebAuthn,
		Name:         strings.TrimSpace(name),
		Sealed:       sealed,
		CredentialID: cred.ID,
		SignCount:    cred.Authenticator.SignCount,
		CreatedAt:    now,
	}, nil
}

// invalid wraps a go-webauthn error as ErrInvalid, keeping its developer
// detail (which its Error() omits) for logs.
func invalid(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w: %w (%s)", ErrInvalid, err, pe.DevInfo)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

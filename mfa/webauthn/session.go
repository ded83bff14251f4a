package webauthn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	wa "github.com/go-webauthn/webauthn/webauthn"

	"github.com/passerelle/passerelle/store"
)

// Ceremony kinds: the record kind a session blob is sealed under, with
// the account ID, so a registration session cannot finish a login, nor
// one account's session another's ceremony.
const (
	ceremonyRegister = "webauthn_register"
	ceremonyLogin    = "webauthn_login"
)

// sealSession encodes the options for the browser and seals the session
// data for the broker. Sealing makes the blob opaque and tamper-evident;
// it does not make it single use: the broker keeps it server side and
// deletes it when the ceremony finishes (or fails).
func (f *Factor) sealSession(ceremony, accountID string, options any, data *wa.SessionData) ([]byte, []byte, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: encode options: %w", err)
	}
	plain, err := json.Marshal(data)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: encode session: %w", err)
	}
	sealed, err := f.sealer.Seal(ceremony, accountID, plain)
	if err != nil {
		return nil, nil, err
	}
	return opts, sealed, nil
}

// openSession reverses sealSession. A blob that does not open for this
// ceremony and account is ErrInvalid.
func (f *Factor) openSession(ceremony, accountID string, blob []byte) (wa.SessionData, error) {
	var data wa.SessionData
	plain, err := f.sealer.Open(ceremony, accountID, blob)
	if err != nil {
		return data, fmt.Errorf("%w: session: %w", ErrInvalid, err)
	}
	if err := json.Unmarshal(plain, &data); err != nil {
		return data, fmt.Errorf("%w: session: %w", ErrInvalid, err)
	}
	return data, nil
}

// user adapts an account and its credentials to go-webauthn's User.
type user struct {
	id          []byte
	name        string
	displayName string
	creds       []wa.Credential
}

func (u *user) WebAuthnID() []byte                   { return u.id }
func (u *user) WebAuthnName() string                 { return u.name }
func (u *user) WebAuthnDisplayName() string          { return u.displayName }
func (u *user) WebAuthnCredentials() []wa.Credential { return u.creds }

// newUser checks u and wraps it with creds. The user handle is the
// account ID: random, stable, and at most 64 bytes as WebAuthn requires.
func newUser(u User, creds []wa.Credential) (*user, error) {
	if n := len(u.AccountID); n == 0 || n > 64 {
		return nil, fmt.Errorf("webauthn: account ID must be 1 to 64 bytes, got %d", n)
	}
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	return &user{id: []byte(u.AccountID), name: u.Name, displayName: display, creds: creds}, nil
}

// webauthnFactors keeps the WebAuthn factors of the account among fs.
func webauthnFactors(accountID string, fs []store.Factor) []store.Factor {
	var out []store.Factor
	for _, x := range fs {
		if x.Kind == store.FactorWebAuthn && x.AccountID == accountID && len(x.CredentialID) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// credential opens a factor's sealed credential. The stored sign count is
// the factor's (the broker updates it after each sign-in), not the one
// sealed at registration.
func (f *Factor) credential(x store.Factor) (wa.Credential, error) {
	var c wa.Credential
	plain, err := f.sealer.Open(sealKind, x.ID, x.Sealed)
	if err != nil {
		return c, fmt.Errorf("webauthn: factor %s: %w", x.ID, err)
	}
	if err := json.Unmarshal(plain, &c); err != nil {
		return c, fmt.Errorf("webauthn: factor %s: decode credential: %w", x.ID, err)
	}
	if !bytes.Equal(c.ID, x.CredentialID) {
		return c, fmt.Errorf("webauthn: factor %s: %w", x.ID, errCredentialMismatch)
	}
	c.Authenticator.SignCount = x.SignCount
	return c, nil
}

// errCredentialMismatch means a factor's CredentialID is not the one its
// sealed credential holds: the record was altered outside Passerelle.
var errCredentialMismatch = errors.New("credential ID does not match the sealed credential")

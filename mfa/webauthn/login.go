package webauthn

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	wa "github.com/go-webauthn/webauthn/webauthn"

	"github.com/passerelle/passerelle/store"
)

// BeginLogin starts a second-factor check with the account's WebAuthn
// factors among factors (allowCredentials lists their credential IDs).
// optionsJSON is the argument to navigator.credentials.get ({"publicKey":
// {...}}); session is an opaque blob the broker keeps server side and
// hands, once, to FinishLogin. ErrNoCredential when there is no such
// factor.
func (f *Factor) BeginLogin(u User, factors []store.Factor) (optionsJSON []byte, session []byte, err error) {
	fs := webauthnFactors(u.AccountID, factors)
	if len(fs) == 0 {
		return nil, nil, ErrNoCredential
	}
	creds, err := f.credentials(fs)
	if err != nil {
		return nil, nil, err
	}
	wu, err := newUser(u, creds)
	if err != nil {
		return nil, nil, err
	}
	assertion, data, err := f.wa.BeginLogin(wu)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin login: %w", err)
	}
	return f.sealSession(ceremonyLogin, u.AccountID, assertion, data)
}

// FinishLogin verifies the browser's assertion against session and the
// account's factors. It returns the factor used, the sign count to store
// for it (with RecordUse) and whether the authenticator verified the
// person (PIN or biometric).
//
// A response that does not verify (tampered, another challenge or origin,
// an expired session, a credential not among factors) is ErrInvalid. A
// valid signature whose counter did not increase, when either the stored
// or the new counter is non-zero, is ErrCloned: used is then the factor
// concerned, for the audit, and newSignCount the counter the authenticator
// reported, which must not be stored.
//
// The session must be used once: the broker deletes it before calling
// FinishLogin. Authenticators that keep no counter (most passkeys) always
// report zero, so for them only that deletion stops a replay.
func (f *Factor) FinishLogin(u User, session []byte, factors []store.Factor, response []byte) (used store.Factor, newSignCount uint32, userVerified bool, err error) {
	data, err := f.openSession(ceremonyLogin, u.AccountID, session)
	if err != nil {
		return store.Factor{}, 0, false, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return store.Factor{}, 0, false, invalid(err)
	}
	fs := webauthnFactors(u.AccountID, factors)
	creds, err := f.credentials(fs)
	if err != nil {
		return store.Factor{}, 0, false, err
	}
	wu, err := newUser(u, creds)
	if err != nil {
		return store.Factor{}, 0, false, err
	}
	cred, err := f.wa.ValidateLogin(wu, data, parsed)
	if err != nil {
		return store.Factor{}, 0, false, invalid(err)
	}
	for _, x := range fs {
		if bytes.Equal(x.CredentialID, cred.ID) {
			used = x
			break
		}
	}
	authData := parsed.Response.AuthenticatorData
	userVerified = authData.Flags.HasUserVerified()
	if cred.Authenticator.CloneWarning {
		return used, authData.Counter, userVerified,
			fmt.Errorf("%w: factor %s: stored %d, got %d", ErrCloned, used.ID, used.SignCount, authData.Counter)
	}
	return used, cred.Authenticator.SignCount, userVerified, nil
}

// RecordUse returns x with its sign count advanced to signCount and its
// last use set to now, or ErrCloned if signCount does not exceed the
// count x holds (either being non-zero). Call it inside
// store.UpdateFactor, so that two sign-ins racing with one counter value
// cannot both be recorded:
//
//	err := st.UpdateFactor(ctx, used.ID, func(x store.Factor) (store.Factor, error) {
//		return webauthn.RecordUse(x, newSignCount, now)
//	})
func RecordUse(x store.Factor, signCount uint32, now time.Time) (store.Factor, error) {
	if signCount <= x.SignCount && (signCount != 0 || x.SignCount != 0) {
		return x, fmt.Errorf("%w: factor %s: stored %d, got %d", ErrCloned, x.ID, x.SignCount, signCount)
	}
	x.SignCount = signCount
	x.LastUsedAt = now
	return x, nil
}

// credentials opens the credentials of fs.
func (f *Factor) credentials(fs []store.Factor) ([]wa.Credential, error) {
	creds := make([]wa.Credential, 0, len(fs))
	for _, x := range fs {
		c, err := f.credential(x)
		if err != nil {
			return nil, err
		}
		creds = append(creds, c)
	}
	return creds, nil
}

package webauthn

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Entry is the security-key factor in the broker's registry.
var Entry = mfa.Entry{Kind: store.FactorWebAuthn, Open: Open}

// SecurityKey is the security-key factor as the broker's registry sees
// it. Its per-account data is the credential, sealed, and its sign count
// (store.Factor.Sealed, SignCount); its per-request state is the
// ceremony's sealed session data.
type SecurityKey struct {
	f   *Factor
	st  store.Store
	now func() time.Time
	log *slog.Logger
}

var (
	_ mfa.Enroller = (*SecurityKey)(nil)
	_ mfa.Verifier = (*SecurityKey)(nil)
)

// Open returns the factor for the issuer's host and origin, or nil when
// the issuer is on an IP address: WebAuthn needs a domain name (browsers
// refuse an IP address as relying party ID).
func Open(env mfa.Env) (mfa.Factor, error) {
	u, err := url.Parse(env.Issuer)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, nil
	}
	f, err := New(Config{RPID: u.Hostname(), RPDisplayName: "Passerelle",
		Origins: []string{u.Scheme + "://" + u.Host}}, env.Sealer)
	if err != nil {
		return nil, err
	}
	now, log := env.Now, env.Log
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &SecurityKey{f: f, st: env.Store, now: now, log: log}, nil
}

func accountUser(a store.Account) User {
	return User{AccountID: a.ID, Name: a.URN, DisplayName: strings.TrimSpace(a.GivenName + " " + a.FamilyName)}
}

// Kind is store.FactorWebAuthn.
func (k *SecurityKey) Kind() string { return store.FactorWebAuthn }

// AMR is "hwk".
func (k *SecurityKey) AMR() []string { return []string{mfa.AMRHardware} }

// Challenge begins a sign-in ceremony with all the account's keys.
func (k *SecurityKey) Challenge(_ context.Context, in *mfa.Input, _ store.Factor) (mfa.Prompt, error) {
	opts, sess, err := k.f.BeginLogin(accountUser(in.Account), in.Own)
	if err != nil {
		return mfa.Prompt{}, err
	}
	in.SetState(sess)
	return mfa.Prompt{Shape: mfa.ShapeKey, Options: opts}, nil
}

// Verify checks the browser's assertion and records the key's sign count
// in the store update that refuses a counter that went backwards (a
// cloned key, audited).
func (k *SecurityKey) Verify(ctx context.Context, in *mfa.Input, _ store.Factor) (bool, error) {
	used, count, _, err := k.f.FinishLogin(accountUser(in.Account), in.State, in.Own, []byte(in.Form.Get("response")))
	if errors.Is(err, ErrCloned) {
		k.log.WarnContext(ctx, "security key signature counter went backwards: possible clone", "account", in.Account.ID, "factor", used.ID)
		in.Audit(ctx, "mfa.cloned_key", "refused", map[string]string{"factor": used.ID})
		return false, nil
	}
	if err != nil {
		k.log.WarnContext(ctx, "security key refused", "error", err)
		return false, nil
	}
	now := k.now()
	err = k.st.UpdateFactor(ctx, used.ID, func(x store.Factor) (store.Factor, error) {
		return RecordUse(x, count, now)
	})
	if errors.Is(err, ErrCloned) {
		in.Audit(ctx, "mfa.cloned_key", "refused", map[string]string{"factor": used.ID})
		return false, nil
	}
	return err == nil, err
}

// Enrol begins a registration ceremony; the account's keys are excluded
// so an authenticator is not registered twice.
func (k *SecurityKey) Enrol(_ context.Context, in *mfa.Input) (mfa.Prompt, error) {
	opts, sess, err := k.f.BeginRegistration(accountUser(in.Account), in.Own)
	if err != nil {
		return mfa.Prompt{}, err
	}
	in.SetState(sess)
	return mfa.Prompt{Shape: mfa.ShapeKey, Options: opts}, nil
}

// FinishEnrol checks the registration and returns the new key.
func (k *SecurityKey) FinishEnrol(ctx context.Context, in *mfa.Input) (mfa.Enrolment, error) {
	x, err := k.f.FinishRegistration(accountUser(in.Account), in.State, []byte(in.Form.Get("response")),
		strings.TrimSpace(in.Form.Get("name")), k.now())
	if err != nil {
		k.log.WarnContext(ctx, "security key registration refused", "error", err)
		return mfa.Enrolment{Next: mfa.NextRetry, Field: "name", Message: "mfa.error.key"}, nil
	}
	return mfa.Enrolment{Factor: &x}, nil
}

package totp

import (
	"context"
	"errors"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Entry is the authenticator-app factor in the broker's registry.
var Entry = mfa.Entry{Kind: store.FactorTOTP, Open: Open}

// Sealing kinds (store.Sealer associated data, with an ID): a stored
// factor's secret under its factor ID, a secret being set up under the
// auth request's ID, so neither can be moved to another record.
const (
	sealFactor  = "factor"
	sealPending = "pending-totp"
)

// Factor is the authenticator-app factor. Its per-account data is the
// secret, sealed (store.Factor.Sealed), and the last time step accepted
// (store.Factor.LastStep); its per-request state is the sealed secret
// being set up.
type Factor struct {
	sealer *store.Sealer
	cfg    mfa.TOTPConfig
	now    func() time.Time
}

var (
	_ mfa.Enroller = (*Factor)(nil)
	_ mfa.Checker  = (*Factor)(nil)
)

// Open returns the factor for env.
func Open(env mfa.Env) (mfa.Factor, error) {
	if env.Sealer == nil {
		return nil, errors.New("totp: a sealer is required")
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	return &Factor{sealer: env.Sealer, cfg: env.Config.TOTP, now: now}, nil
}

// Kind is store.FactorTOTP.
func (f *Factor) Kind() string { return store.FactorTOTP }

// AMR is "otp".
func (f *Factor) AMR() []string { return []string{mfa.AMROTP} }

// Challenge asks for the code the app shows.
func (f *Factor) Challenge(context.Context, *mfa.Input, store.Factor) (mfa.Prompt, error) {
	return mfa.Prompt{Shape: mfa.ShapeCode}, nil
}

// Check checks the code against x's secret at now, accepting only a
// time step after x.LastStep, and returns x with the step it matched: run
// by the Regulator inside the store update that counts the attempt, so
// a code works once, even with two answers in flight.
func (f *Factor) Check(in *mfa.Input, x store.Factor, now time.Time) (store.Factor, bool, error) {
	secret, err := f.sealer.Open(sealFactor, x.ID, x.Sealed)
	if err != nil {
		return x, false, err
	}
	step, ok := Verify(string(secret), in.Form.Get("code"), x.LastStep, now, f.cfg)
	if !ok {
		return x, false, nil
	}
	x.LastStep, x.LastUsedAt = step, now
	return x, true, nil
}

// Enrol shows the set-up page of the secret being set up, drawing one
// (kept sealed in the request's state until a code proves it) when there
// is none.
func (f *Factor) Enrol(_ context.Context, in *mfa.Input) (mfa.Prompt, error) {
	if len(in.State) == 0 {
		secret, err := NewSecret()
		var sealed []byte
		if err == nil {
			sealed, err = f.sealer.Seal(sealPending, in.Request, []byte(secret))
		}
		if err != nil {
			return mfa.Prompt{}, err
		}
		in.SetState(sealed)
	}
	secret, err := f.sealer.Open(sealPending, in.Request, in.State)
	if err != nil {
		return mfa.Prompt{}, mfa.ErrRestart
	}
	name := mfa.AppAccountName(in.Account)
	png, _, err := QR(string(secret), f.cfg.Issuer, name, f.cfg)
	if err != nil {
		return mfa.Prompt{}, err
	}
	return mfa.Prompt{Shape: mfa.ShapeApp, QR: png, Secret: string(secret), Issuer: f.cfg.Issuer, Name: name}, nil
}

// FinishEnrol checks a first code from the app and returns the factor,
// its secret sealed under its own ID.
func (f *Factor) FinishEnrol(_ context.Context, in *mfa.Input) (mfa.Enrolment, error) {
	secret, err := f.sealer.Open(sealPending, in.Request, in.State)
	if err != nil {
		return mfa.Enrolment{Next: mfa.NextStart}, nil
	}
	step, ok := Verify(string(secret), in.Form.Get("code"), 0, f.now(), f.cfg)
	if !ok {
		return mfa.Enrolment{Next: mfa.NextRetry, Field: "code", Message: "mfa.error.code"}, nil
	}
	x := store.Factor{ID: randid.Base64URL(16), Kind: store.FactorTOTP, LastStep: step}
	if x.Sealed, err = f.sealer.Seal(sealFactor, x.ID, secret); err != nil {
		return mfa.Enrolment{}, err
	}
	return mfa.Enrolment{Factor: &x}, nil
}

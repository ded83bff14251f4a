package recovery

import (
	"context"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Entry is the recovery-code factor in the broker's registry.
var Entry = mfa.Entry{Kind: store.FactorRecovery, Open: Open}

// Factor is the recovery-code factor: the fallback of last resort. No
// person sets it up from a page (it is no mfa.Enroller): the broker
// renews the set after a first factor, a replacement, or on request. Its
// per-account data is the hashed codes (store.Factor.Codes); it keeps no
// per-request state.
type Factor struct {
	st    store.Store
	count int
	now   func() time.Time
}

var _ mfa.Checker = (*Factor)(nil)

// Open returns the factor for env.
func Open(env mfa.Env) (mfa.Factor, error) {
	now := env.Now
	if now == nil {
		now = time.Now
	}
	count := env.Config.Recovery.Count
	if count == 0 {
		count = 10
	}
	return &Factor{st: env.Store, count: count, now: now}, nil
}

// Kind is store.FactorRecovery.
func (f *Factor) Kind() string { return store.FactorRecovery }

// AMR is "otp".
func (f *Factor) AMR() []string { return []string{mfa.AMROTP} }

// Challenge asks for one of the codes, typed as text.
func (f *Factor) Challenge(context.Context, *mfa.Input, store.Factor) (mfa.Prompt, error) {
	return mfa.Prompt{Shape: mfa.ShapeCode, FreeText: true}, nil
}

// Check spends the code in in.Form when it matches one of x's unused
// codes: run by the Regulator inside the store update that counts the
// attempt, so two uses of one code cannot both win. Recovery codes are
// hashed with SHA-256 (they carry 60 random bits, Bits), so checking
// every code of a set takes microseconds inside the transaction.
func (f *Factor) Check(in *mfa.Input, x store.Factor, now time.Time) (store.Factor, bool, error) {
	codes, ok := Use(x.Codes, in.Form.Get("code"), now)
	if !ok {
		return x, false, nil
	}
	x.Codes, x.LastUsedAt = codes, now
	return x, true, nil
}

// Renew gives the account a new set of codes, returned to be shown once:
// the set replaces existing (the account's recovery factor, if any) in
// one write, so every older code stops working at once.
func (f *Factor) Renew(ctx context.Context, accountID string, existing *store.Factor) ([]string, error) {
	codes, stored, err := Generate(f.count)
	if err != nil {
		return nil, err
	}
	now := f.now()
	if existing != nil {
		err = f.st.UpdateFactor(ctx, existing.ID, func(s store.Factor) (store.Factor, error) {
			s.Codes, s.CreatedAt, s.LastUsedAt = stored, now, time.Time{}
			return s, nil
		})
	} else {
		err = f.st.CreateFactor(ctx, store.Factor{ID: randid.Base64URL(16), AccountID: accountID, Kind: store.FactorRecovery,
			Codes: stored, CreatedAt: now})
	}
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// Left counts x's codes not used yet.
func (f *Factor) Left(x store.Factor) int { return Remaining(x.Codes) }

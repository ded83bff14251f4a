package emailotp

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// Entry is the email-code factor in the broker's registry.
var Entry = mfa.Entry{Kind: store.FactorEmail, Open: Open}

// Factor is the email-code factor. Its per-account data is the address
// (store.Factor.Email); its per-request state is the code sent and the
// address it went to: only a code sent to a factor's address for this
// sign-in answers it.
type Factor struct {
	s *Sender
}

var (
	_ mfa.Enroller      = (*Factor)(nil)
	_ mfa.Verifier      = (*Factor)(nil)
	_ mfa.Resender      = (*Factor)(nil)
	_ mfa.EnrolResender = (*Factor)(nil)
	_ mfa.Describer     = (*Factor)(nil)
)

// Open returns the factor, or nil without a notifier (the kind is off).
func Open(env mfa.Env) (mfa.Factor, error) {
	if env.Notifier == nil {
		return nil, nil
	}
	return &Factor{s: NewSender(env.Store, env.Notifier, env.Config.Email, env.Now)}, nil
}

// pending is the per-request state.
type pending struct {
	OTP     string `json:"otp"`
	Address string `json:"address"`
}

func state(in *mfa.Input) pending {
	var p pending
	if len(in.State) > 0 {
		_ = json.Unmarshal(in.State, &p) // unreadable: nothing pending
	}
	return p
}

// send emails a code and keeps it as the request's pending one.
func (f *Factor) send(ctx context.Context, in *mfa.Input, addr, purpose string) error {
	id, err := f.s.Send(ctx, in.Account.ID, purpose, addr, in.Lang)
	if err != nil {
		return err
	}
	b, err := json.Marshal(pending{OTP: id, Address: addr})
	if err != nil {
		return err
	}
	in.SetState(b)
	return nil
}

// Kind is store.FactorEmail.
func (f *Factor) Kind() string { return store.FactorEmail }

// AMR is "otp" and nothing more: RFC 8176's "mca" is not claimed, since
// the mailbox is often read in the very browser that signs in.
func (f *Factor) AMR() []string { return []string{mfa.AMROTP} }

// Challenge sends a code to x's address unless one is pending for it.
func (f *Factor) Challenge(ctx context.Context, in *mfa.Input, x store.Factor) (mfa.Prompt, error) {
	if p := state(in); p.OTP == "" || p.Address != x.Email {
		if err := f.send(ctx, in, x.Email, notify.PurposeSignIn); err != nil {
			return mfa.Prompt{}, err
		}
	}
	return mfa.Prompt{Shape: mfa.ShapeCode, SentTo: Mask(x.Email), Resend: true}, nil
}

// Resend sends a new code to x's address.
func (f *Factor) Resend(ctx context.Context, in *mfa.Input, x store.Factor) error {
	return f.send(ctx, in, x.Email, notify.PurposeSignIn)
}

// Verify checks the code against the one sent to x's address for this
// sign-in; the code is consumed in the store update that checks it.
func (f *Factor) Verify(ctx context.Context, in *mfa.Input, x store.Factor) (bool, error) {
	p := state(in)
	if p.OTP == "" || p.Address != x.Email {
		return false, nil
	}
	err := f.s.VerifyRegulated(ctx, p.OTP, in.Account.ID, in.Form.Get("code"))
	if errors.Is(err, ErrInvalidCode) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := f.s.now()
	err = f.s.st.UpdateFactor(ctx, x.ID, func(s store.Factor) (store.Factor, error) {
		s.LastUsedAt = now
		return s, nil
	})
	return err == nil, err
}

// Enrol shows the code page when a code went to a new address (unless
// the person asks to change it: "change" in the query), else the address
// form.
func (f *Factor) Enrol(_ context.Context, in *mfa.Input) (mfa.Prompt, error) {
	p := state(in)
	if p.OTP != "" && p.Address != "" && in.Form.Get("change") == "" {
		return mfa.Prompt{Shape: mfa.ShapeCode, SentTo: Mask(p.Address), Resend: true}, nil
	}
	addr := p.Address
	if addr == "" {
		addr = in.Account.Email
	}
	return mfa.Prompt{Shape: mfa.ShapeAddress, Address: addr}, nil
}

// ResendEnrol sends a new code to the address being confirmed; with no
// address pending it does nothing (the set-up page asks for one).
func (f *Factor) ResendEnrol(ctx context.Context, in *mfa.Input) error {
	p := state(in)
	if p.OTP == "" || p.Address == "" {
		return nil
	}
	return f.send(ctx, in, p.Address, notify.PurposeConfirmEmail)
}

// FinishEnrol sends a code to a posted address, or checks the code that
// came back (a guess: in.Guard first) and returns the factor.
func (f *Factor) FinishEnrol(ctx context.Context, in *mfa.Input) (mfa.Enrolment, error) {
	if in.Form.Has("email") {
		addr, err := mail.ParseAddress(in.Form.Get("email"))
		if err != nil || addr.Name != "" || len(addr.Address) > 254 {
			return mfa.Enrolment{Next: mfa.NextRetry, Field: "email", Message: "mfa.error.email"}, nil
		}
		if err := f.send(ctx, in, addr.Address, notify.PurposeConfirmEmail); err != nil {
			return mfa.Enrolment{}, err
		}
		return mfa.Enrolment{Next: mfa.NextPage}, nil
	}
	p := state(in)
	if p.OTP == "" {
		return mfa.Enrolment{Next: mfa.NextPage}, nil
	}
	if err := in.Guard(ctx); err != nil {
		return mfa.Enrolment{}, err
	}
	err := f.s.VerifyRegulated(ctx, p.OTP, in.Account.ID, in.Form.Get("code"))
	if errors.Is(err, ErrInvalidCode) {
		return mfa.Enrolment{Next: mfa.NextRetry, Field: "code", Message: "mfa.error.code", Wrong: true}, nil
	}
	if err != nil {
		return mfa.Enrolment{}, err
	}
	return mfa.Enrolment{Factor: &store.Factor{ID: randid.Base64URL(16), Kind: store.FactorEmail, Email: p.Address}}, nil
}

// Detail is the factor's masked address.
func (f *Factor) Detail(x store.Factor) string { return Mask(x.Email) }

// Replaceable: a new address replaces the factor once confirmed.
func (f *Factor) Replaceable() bool { return true }

// Mask shows enough of an address for a person to recognise it
// (mfa.MaskEmail).
func Mask(addr string) string { return mfa.MaskEmail(addr) }

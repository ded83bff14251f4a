package broker

import (
	"context"
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Challenges: one of the account's own factors, asked and answered. The
// factor's kind (mfa.Factor) prepares the challenge and checks the
// answer; this page checks every answer with the failure regulator
// (mfa_attempt.go) and keeps the kind's per-request state.

// input is a factor call's view of the flow: the account, its factors of
// kind, kind's per-request state and the posted form (the query on a
// GET). Guard reserves an attempt that failed or settled then settles.
func (p mfaPages) input(r *http.Request, m *mfaFlow, kind string) *mfa.Input {
	in := &mfa.Input{Account: m.acct, Own: m.ofKind(kind), Request: m.ar.ID, Lang: m.lang, State: m.ar.FactorState[kind],
		Form: r.PostForm}
	if r.Method != http.MethodPost {
		in.Form = r.URL.Query()
	}
	in.Guard = func(ctx context.Context) error {
		att, err := p.reg.Reserve(ctx, m.acct.ID)
		if err == nil {
			m.attempt = att
		}
		return err
	}
	in.Audit = func(ctx context.Context, event, outcome string, detail map[string]string) {
		p.core.audits.record(ctx, event, m.acct.ID, m.ar.ClientID, outcome, detail)
	}
	return in
}

// keepState writes kind's per-request state when the factor changed it.
func (p mfaPages) keepState(ctx context.Context, m *mfaFlow, kind string, in *mfa.Input) error {
	if !in.StateChanged() {
		return nil
	}
	set := func(a *store.AuthRequest) {
		if a.FactorState == nil {
			a.FactorState = map[string][]byte{}
		}
		a.FactorState[kind] = in.State
	}
	if err := m.flow.write(ctx, p.core.st, set); err != nil {
		return err
	}
	set(&m.ar)
	return nil
}

// factorFault answers a factor's error: too many codes sent, or the
// service unavailable.
func (p mfaPages) factorFault(w http.ResponseWriter, r *http.Request, m *mfaFlow, what string, err error) {
	if errors.Is(err, mfa.ErrRateLimited) {
		p.log.WarnContext(r.Context(), "email code rate limit", "account", m.acct.ID)
		p.core.pages.errorMsg(w, r, http.StatusTooManyRequests, &m.ar, "mfa.error.rate")
		return
	}
	p.log.ErrorContext(r.Context(), what, "error", err)
	p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
}

// rateError says no code was sent: too many were.
func (p mfaPages) rateError(m *mfaFlow) ui.FieldError {
	return ui.FieldError{Field: "code", Message: p.ui.T(m.lang, "mfa.error.rate")}
}

// loadChallenge loads the MFA stage and the factor a challenge names (one
// of the account's own factors, and only when no new factor is due after
// a recovery code).
func (p mfaPages) loadChallenge(w http.ResponseWriter, r *http.Request) (*mfaFlow, store.Factor, mfa.Factor, bool) {
	m, ok := p.load(w, r)
	if !ok {
		return nil, store.Factor{}, nil, false
	}
	x, ok := m.factor(r.PathValue("factor"))
	fac, on := p.factors.Get(x.Kind)
	if !ok || !on || m.ar.MFA.Recovered {
		http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		return nil, store.Factor{}, nil, false
	}
	return m, x, fac, true
}

// challengePage asks for one factor.
func (p mfaPages) challengePage(w http.ResponseWriter, r *http.Request) {
	if m, x, fac, ok := p.loadChallenge(w, r); ok {
		p.renderChallenge(w, r, m, x, fac, nil)
	}
}

func (p mfaPages) renderChallenge(w http.ResponseWriter, r *http.Request, m *mfaFlow, x store.Factor, fac mfa.Factor, errs []ui.FieldError) {
	ctx := r.Context()
	in := p.input(r, m, x.Kind)
	pr, err := fac.Challenge(ctx, in, x)
	if err == nil {
		err = p.keepState(ctx, m, x.Kind, in)
	}
	limited := errors.Is(err, mfa.ErrRateLimited)
	if limited {
		// Not a dead end: the page says no code was sent and keeps the
		// account's other ways, the recovery code and cancel.
		p.log.WarnContext(ctx, "email code rate limit", "account", m.acct.ID)
		pr, err = mfa.Prompt{Shape: mfa.ShapeCode}, nil
		errs = append(errs, p.rateError(m))
	}
	if err != nil {
		p.factorFault(w, r, m, "begin challenge", err)
		return
	}
	b := p.core
	action := m.flow.stepURL("mfa", "use", x.ID)
	common, status := formState(b.csrf(m.flow), errs)
	if limited {
		status = http.StatusTooManyRequests
	}
	if pr.Shape == mfa.ShapeKey {
		p.ui.Render(w, r, status, m.lang, ui.PageWebAuthn, &ui.WebAuthnData{Common: common, OptionsJSON: string(pr.Options),
			Action: action, Switch: p.switchChoices(m, x.ID), LostURL: p.lostURL(m), CancelURL: m.flow.stepURL("cancel")})
		return
	}
	data := &ui.CodeData{Common: common, Kind: x.Kind, FreeText: pr.FreeText, SentTo: pr.SentTo, Action: action,
		Switch: p.switchChoices(m, x.ID), LostURL: p.lostURL(m), CancelURL: m.flow.stepURL("cancel")}
	if pr.Resend {
		data.ResendAction = m.flow.stepURL("mfa", "resend", x.ID)
	}
	if pr.SentTo != "" {
		data.ValidFor = p.core.cfg.MFA.Email.CodeTTL
	}
	p.ui.Render(w, r, status, m.lang, ui.PageCode, data)
}

// resend sends a factor's challenge again (a new email code).
func (p mfaPages) resend(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	x, ok := m.factor(r.PathValue("factor"))
	fac, _ := p.factors.Get(x.Kind)
	rs, can := fac.(mfa.Resender)
	if !ok || !can {
		http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	in := p.input(r, m, x.Kind)
	err := rs.Resend(ctx, in, x)
	if err == nil {
		err = p.keepState(ctx, m, x.Kind, in)
	}
	if errors.Is(err, mfa.ErrRateLimited) {
		// The code already sent still works; the page says no new one was.
		p.log.WarnContext(ctx, "email code rate limit", "account", m.acct.ID)
		p.renderChallenge(w, r, m, x, fac, []ui.FieldError{p.rateError(m)})
		return
	}
	if err != nil {
		p.factorFault(w, r, m, "send a new code", err)
		return
	}
	http.Redirect(w, r, m.flow.stepURL("mfa", "use", x.ID), http.StatusSeeOther)
}

// challengeAnswer checks the answer to a challenge with the failure
// regulator (verified).
func (p mfaPages) challengeAnswer(w http.ResponseWriter, r *http.Request) {
	m, x, fac, ok := p.loadChallenge(w, r)
	if !ok {
		return
	}
	retry := func(errs []ui.FieldError) { p.renderChallenge(w, r, m, x, fac, errs) }
	if p.verified(w, r, m, x, fac, retry) {
		p.succeeded(w, r, m, x.Kind, factorAnswered)
	}
}

package broker

import (
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/webauthn"
	"github.com/passerelle/passerelle/store"
)

// Set-ups: a new factor of a kind the client accepts, only where the
// completion gate's rule allows it (mayEnrol). The kind (mfa.Enroller)
// draws and checks what it needs; this page stores the proven factor.

const maxFactorName = 64

// enrolStart begins setting up a factor of kind: whatever the kind kept
// of an earlier set-up in this request is dropped (a new secret is drawn).
func (p mfaPages) enrolStart(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	if !m.mayEnrol(kind) {
		p.enrolRefused(w, r, m, kind)
		return
	}
	if m.ar.FactorState[kind] != nil {
		err := m.flow.write(r.Context(), p.core.st, func(a *store.AuthRequest) { delete(a.FactorState, kind) })
		if err != nil {
			p.log.ErrorContext(r.Context(), "start a set-up", "error", err)
			p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return
		}
	}
	http.Redirect(w, r, m.flow.stepURL("mfa", "enrol", kind), http.StatusSeeOther)
}

// enrolPage shows the set-up page of a kind.
func (p mfaPages) enrolPage(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	if !m.mayEnrol(kind) {
		http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		return
	}
	p.renderEnrol(w, r, m, kind, nil)
}

func (p mfaPages) renderEnrol(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, errs []ui.FieldError) {
	ctx := r.Context()
	b := p.core
	back := m.flow.stepURL("mfa")
	e, ok := p.factors.Enroller(kind)
	if !ok {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	in := p.input(r, m, kind)
	pr, err := e.Enrol(ctx, in)
	if err == nil {
		err = p.keepState(ctx, m, kind, in)
	}
	if errors.Is(err, mfa.ErrRestart) {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		p.factorFault(w, r, m, "begin set-up", err)
		return
	}
	common, status := formState(b.csrf(m.flow), errs)
	finish := m.flow.stepURL("mfa", "enrol", kind, "finish")
	switch pr.Shape {
	case mfa.ShapeApp:
		p.ui.Render(w, r, status, m.lang, ui.PageTOTPEnrol, &ui.TOTPEnrolData{Common: common,
			QRCode: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(pr.QR)),
			Secret: pr.Secret, Issuer: pr.Issuer, Account: pr.Name, Action: finish, BackURL: back})
	case mfa.ShapeAddress:
		p.ui.Render(w, r, status, m.lang, ui.PageEmailEnrol, &ui.EmailEnrolData{Common: common, Email: pr.Address, Action: finish, BackURL: back})
	case mfa.ShapeKey:
		p.ui.Render(w, r, status, m.lang, ui.PageWebAuthn, &ui.WebAuthnData{Common: common, Register: true,
			OptionsJSON: string(pr.Options), Action: finish, CancelURL: m.flow.stepURL("cancel")})
	default:
		data := &ui.CodeData{Common: common, Kind: kind, FreeText: pr.FreeText,
			SentTo: pr.SentTo, Action: finish, CancelURL: m.flow.stepURL("cancel")}
		if _, can := e.(mfa.EnrolResender); can && pr.Resend {
			data.ResendAction = m.flow.stepURL("mfa", "enrol", kind, "resend")
		}
		if pr.SentTo != "" {
			data.ValidFor = b.cfg.MFA.Email.CodeTTL
		}
		p.ui.Render(w, r, status, m.lang, ui.PageCode, data)
	}
}

// enrolResend sends a new code to the address being set up. When no new
// code may be sent, the code page says so and the code already sent
// still works.
func (p mfaPages) enrolResend(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	e, _ := p.factors.Enroller(kind)
	rs, can := e.(mfa.EnrolResender)
	if !m.mayEnrol(kind) || !can {
		p.enrolRefused(w, r, m, kind)
		return
	}
	ctx := r.Context()
	in := p.input(r, m, kind)
	err := rs.ResendEnrol(ctx, in)
	if err == nil {
		err = p.keepState(ctx, m, kind, in)
	}
	if errors.Is(err, mfa.ErrRateLimited) {
		p.log.WarnContext(ctx, "email code rate limit", "account", m.acct.ID)
		p.renderEnrol(w, r, m, kind, []ui.FieldError{p.rateError(m)})
		return
	}
	if err != nil {
		p.factorFault(w, r, m, "send a new code", err)
		return
	}
	http.Redirect(w, r, m.flow.stepURL("mfa", "enrol", kind), http.StatusSeeOther)
}

// enrolFinish checks the set-up answer and stores the new factor.
func (p mfaPages) enrolFinish(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	kind := r.PathValue("kind")
	e, isEnroller := p.factors.Enroller(kind)
	if !m.mayEnrol(kind) || !isEnroller {
		p.enrolRefused(w, r, m, kind)
		return
	}
	retry := func(errs []ui.FieldError) { p.renderEnrol(w, r, m, kind, errs) }
	name := strings.TrimSpace(r.PostFormValue("name"))
	if utf8.RuneCountInString(name) > maxFactorName || !utf8.ValidString(name) {
		retry([]ui.FieldError{{Field: "name", Message: p.ui.T(m.lang, "mfa.error.name")}})
		return
	}
	in := p.input(r, m, kind)
	res, err := e.FinishEnrol(ctx, in)
	if err == nil {
		err = p.keepState(ctx, m, kind, in)
	}
	if p.refused(w, r, m, err, retry) {
		return
	}
	if err != nil {
		p.factorFault(w, r, m, "finish set-up", err)
		return
	}
	if res.Factor == nil {
		switch {
		case res.Next == mfa.NextStart:
			http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		case res.Next == mfa.NextPage:
			http.Redirect(w, r, m.flow.stepURL("mfa", "enrol", kind), http.StatusSeeOther)
		case res.Wrong:
			p.failed(w, r, m, kind, false, retry)
		default:
			retry([]ui.FieldError{{Field: res.Field, Message: p.ui.T(m.lang, res.Message)}})
		}
		return
	}
	if !p.settled(w, r, m) { // a lock that landed meanwhile wins: nothing is set up
		return
	}
	fac, now := *res.Factor, p.now()
	fac.Kind, fac.Name, fac.AccountID, fac.CreatedAt, fac.LastUsedAt = kind, name, m.acct.ID, now, now
	if !p.storeNewFactor(w, r, m, fac) {
		return
	}
	if m.recovery == nil || m.ar.MFA.Recovered {
		p.newRecoveryCodes(w, r, m, kind)
		return
	}
	p.succeeded(w, r, m, kind, factorEnrolled)
}

// enrolRefused answers a set-up this request may not do: an account
// with a factor is proved by that factor first.
func (p mfaPages) enrolRefused(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string) {
	p.log.WarnContext(r.Context(), "factor set-up refused: the account's own factor was not passed", "account", m.acct.ID, "kind", kind)
	p.core.audits.record(r.Context(), "factor.add", m.acct.ID, m.ar.ClientID, "refused", map[string]string{"kind": kind})
	p.core.pages.errorPage(w, r, http.StatusForbidden, &m.ar, errInvalidRequest)
}

// storeNewFactor stores a factor just proven. As the account's first
// factor it counts only if it is still the only one once stored: two
// first set-ups racing on one account both start again, and neither gets
// past the factor the other set up.
func (p mfaPages) storeNewFactor(w http.ResponseWriter, r *http.Request, m *mfaFlow, fac store.Factor) bool {
	ctx := r.Context()
	b := p.core
	if err := p.st.CreateFactor(ctx, fac); err != nil {
		p.log.ErrorContext(ctx, "store new factor", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	first := !m.hasFactor()
	if first {
		all, err := p.st.ListFactors(ctx, m.acct.ID)
		if err == nil && len(all) > 1 {
			err = p.st.DeleteFactor(ctx, fac.ID)
			p.log.WarnContext(ctx, "another factor was set up meanwhile: this one is not the first", "account", m.acct.ID)
			if err == nil {
				http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
				return false
			}
		}
		if err != nil {
			p.log.ErrorContext(ctx, "check first factor", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return false
		}
		m.change(func(a *store.AuthRequest) { a.MFA.FirstEnrolment = true })
	}
	b.audits.record(ctx, "factor.add", m.acct.ID, m.ar.ClientID, "success", map[string]string{"kind": fac.Kind, "factor": fac.ID})
	if err := p.replaceFactor(ctx, m, fac); err != nil {
		p.log.ErrorContext(ctx, "remove the replaced factor", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	return true
}

// replaceFactor removes the factor the new one replaces (an email factor
// whose address changed), if the request names one of the account's
// factors of the same kind.
func (p mfaPages) replaceFactor(ctx context.Context, m *mfaFlow, fac store.Factor) error {
	if m.ar.ReplaceFactor == "" {
		return nil
	}
	old, err := p.st.GetFactor(ctx, m.ar.ReplaceFactor)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.AccountID != m.acct.ID || old.Kind != fac.Kind {
		return nil
	}
	if err := p.st.DeleteFactor(ctx, old.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p.core.audits.record(ctx, "factor.replace", m.acct.ID, m.ar.ClientID, "success", map[string]string{"old": old.ID, "new": fac.ID})
	return nil
}

// webauthnScript serves the security-key script (the only script the
// broker's pages load).
func webauthnScript() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(webauthn.Script)
	})
}

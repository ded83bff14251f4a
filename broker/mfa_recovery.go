package broker

import (
	"errors"
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// Recovery codes at sign-in: the fallback when a factor is lost, and the
// new set shown once after the first factor or after a replacement.

// newRecoveryCodes shows a new set of recovery codes once, right after
// the account's first factor or the replacement set up after a recovery
// code; any older set stops working in the same write (seed 004: "your
// old codes will no longer work"). After a recovery code the page also
// offers to remove the factors the person may have lost. The sign-in goes
// on when the person says they kept the codes.
func (p mfaPages) newRecoveryCodes(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string) {
	if !p.settled(w, r, m) {
		return
	}
	ctx := r.Context()
	b := p.core
	codes, err := p.recovery.Renew(ctx, m.acct.ID, m.recovery)
	if err == nil {
		// The new factor is proven: record it before showing the codes, so
		// a lost page does not lose the sign-in.
		p.record(m.flow, kind, factorEnrolled)
		err = m.flow.persist(ctx, b.st)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "generate recovery codes", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return
	}
	b.audits.record(ctx, "recovery.generate", m.acct.ID, m.ar.ClientID, "success", nil)
	data := &ui.RecoveryCodesData{Common: b.csrf(m.flow), Codes: codes, Action: m.flow.stepURL("mfa", "saved"),
		Replaced: m.recovery != nil}
	for _, x := range m.factors {
		if slices.Contains(m.ar.MFA.Lost, x.ID) {
			data.Lost = append(data.Lost, ui.Choice{ID: x.ID, Name: p.factorLabel(m.lang, x)})
		}
	}
	p.ui.Render(w, r, http.StatusOK, m.lang, ui.PageRecoveryCodes, data)
}

// recoveryPage asks for a recovery code ("lost your second factor?").
func (p mfaPages) recoveryPage(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	p.renderRecovery(w, r, m, nil)
}

func (p mfaPages) renderRecovery(w http.ResponseWriter, r *http.Request, m *mfaFlow, errs []ui.FieldError) {
	b := p.core
	if m.recovery == nil || recovery.Remaining(m.recovery.Codes) == 0 {
		http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		return
	}
	pr, _ := p.recovery.Challenge(r.Context(), nil, *m.recovery) // never fails: a code typed in
	common, status := formState(b.csrf(m.flow), errs)
	p.ui.Render(w, r, status, m.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: recoveryKind, FreeText: pr.FreeText,
		Action: m.flow.stepURL("mfa", "recovery"), Switch: p.switchChoices(m, ""), CancelURL: m.flow.stepURL("cancel")})
}

// recoveryAnswer checks a recovery code; after one the person must set
// up a new factor before the sign-in goes on.
func (p mfaPages) recoveryAnswer(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	if m.recovery == nil {
		http.Redirect(w, r, m.flow.stepURL("mfa"), http.StatusSeeOther)
		return
	}
	retry := func(errs []ui.FieldError) { p.renderRecovery(w, r, m, errs) }
	if p.throttled(w, r, m, retry) {
		return
	}
	ok, err := p.recovery.Verify(r.Context(), p.input(r, m, recoveryKind), *m.recovery)
	if err != nil {
		p.log.ErrorContext(r.Context(), "use recovery code", "error", err)
		p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return
	}
	if !ok {
		p.failed(w, r, m, recoveryKind, retry)
		return
	}
	p.core.audits.record(r.Context(), "recovery.use", m.acct.ID, m.ar.ClientID, "success", nil)
	m.change(func(a *store.AuthRequest) {
		a.MFA.Lost = nil
		for _, x := range m.factors {
			a.MFA.Lost = append(a.MFA.Lost, x.ID)
		}
	})
	p.succeeded(w, r, m, recoveryKind, factorRecovered)
}

// recoverySaved continues once the person confirms they kept the codes.
// After a recovery code and its replacement, the factors the person ticked
// as lost go first (only those the request offered: the account's factors
// when the recovery code was used).
func (p mfaPages) recoverySaved(w http.ResponseWriter, r *http.Request) {
	b := p.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	ctx := r.Context()
	if pr := f.ar.MFA; pr.Recovered && len(pr.Enrolled) > 0 && !f.ar.Done {
		for _, id := range r.PostForm["remove"] {
			if !slices.Contains(pr.Lost, id) {
				continue
			}
			err := p.st.DeleteFactor(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				p.log.ErrorContext(ctx, "remove a lost factor", "error", err)
				b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
				return
			}
			if err == nil {
				b.audits.record(ctx, "factor.remove", f.ar.AccountID, f.ar.ClientID, "success", map[string]string{"factor": id, "reason": "lost"})
			}
		}
	}
	http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
}

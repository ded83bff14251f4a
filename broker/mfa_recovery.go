package broker

import (
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// Recovery codes at sign-in: the fallback when a factor is lost, and the
// new set shown once after the first factor or after a replacement.

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
	if !p.verified(w, r, m, *m.recovery, p.recovery, retry) {
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

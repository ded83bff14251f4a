package broker

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// New recovery codes at sign-in: made once, right after the account's
// first factor or the replacement set up after a recovery code, and
// shown until the person says they saved them. The codes wait sealed in
// the auth request (MFAProgress.UnsavedCodes; the account keeps only
// their hashes), so a reload or the back button shows the same codes
// again, never a skipped page, and the dispatcher holds the sign-in at
// journey.SaveCodes until the acknowledgement. They can be printed and
// downloaded as a text file.
//
//	GET  /login/{id}/mfa/codes      the codes page (303 target after set-up)
//	GET  /login/{id}/mfa/codes.txt  the same codes as a file
//	POST /login/{id}/mfa/saved      "I have saved them" (field saved=yes)

// sealUnsavedCodes is the store.Sealer kind of MFAProgress.UnsavedCodes.
const sealUnsavedCodes = "unsaved-recovery-codes"

// newRecoveryCodes makes a new set of recovery codes (any older set
// stops working in the same write, seed 004: "your old codes will no
// longer work"), records the proven factor with them sealed in the
// request, and sends the person to the codes page.
func (p mfaPages) newRecoveryCodes(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string) {
	if !p.settled(w, r, m) {
		return
	}
	ctx := r.Context()
	b := p.core
	codes, err := p.recovery.Renew(ctx, m.acct.ID, m.recovery)
	var sealed []byte
	if err == nil {
		sealed, err = p.sealCodes(m.flow, codes)
	}
	if err == nil {
		// The new factor is proven: record it with the codes, so a lost
		// page loses neither the sign-in nor the codes.
		p.record(m.flow, kind, factorEnrolled)
		m.change(func(a *store.AuthRequest) { a.MFA.UnsavedCodes = sealed })
		err = m.flow.persist(ctx, b.st)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "generate recovery codes", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return
	}
	b.audits.record(ctx, "recovery.generate", m.acct.ID, m.ar.ClientID, "success", nil)
	http.Redirect(w, r, m.flow.stepURL("mfa", "codes"), http.StatusSeeOther)
}

func (p mfaPages) sealCodes(f *flow, codes []string) ([]byte, error) {
	plain, err := json.Marshal(codes)
	if err != nil {
		return nil, err
	}
	return p.core.sealer.Seal(sealUnsavedCodes, f.ar.ID, plain)
}

// unsavedCodes opens the codes the request waits on; false (after
// sending the person to the dispatcher, or an error page) when there
// are none.
func (p mfaPages) unsavedCodes(w http.ResponseWriter, r *http.Request, f *flow) ([]string, bool) {
	if f.ar.Done || len(f.ar.MFA.UnsavedCodes) == 0 {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return nil, false
	}
	var codes []string
	plain, err := p.core.sealer.Open(sealUnsavedCodes, f.ar.ID, f.ar.MFA.UnsavedCodes)
	if err == nil {
		err = json.Unmarshal(plain, &codes)
	}
	if err != nil || len(codes) == 0 {
		p.log.ErrorContext(r.Context(), "open the unsaved recovery codes", "error", err)
		p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return nil, false
	}
	return codes, true
}

// codesPage shows the request's new recovery codes.
func (p mfaPages) codesPage(w http.ResponseWriter, r *http.Request) {
	f, ok := p.core.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return
	}
	p.renderCodes(w, r, f, untickedError(r, p.ui, f.lang))
}

// untickedError is the codes page's error after Continue without "I have
// saved them" (the redirect says ?unticked=1).
func untickedError(r *http.Request, u *ui.UI, lang string) []ui.FieldError {
	if !r.URL.Query().Has("unticked") {
		return nil
	}
	return []ui.FieldError{{Field: "saved", Message: u.T(lang, "mfa.error.saved")}}
}

func (p mfaPages) renderCodes(w http.ResponseWriter, r *http.Request, f *flow, errs []ui.FieldError) {
	codes, ok := p.unsavedCodes(w, r, f)
	if !ok {
		return
	}
	common, status := formState(p.core.csrf(f), errs)
	data := &ui.RecoveryCodesData{Common: common, Codes: codes, Action: f.stepURL("mfa", "saved"),
		DownloadURL: f.stepURL("mfa", "codes.txt"), Replaced: f.ar.MFA.Recovered}
	if pr := f.ar.MFA; pr.Recovered && len(pr.Lost) > 0 {
		all, err := p.st.ListFactors(r.Context(), f.ar.AccountID)
		if err != nil {
			p.log.ErrorContext(r.Context(), "list factors", "error", err)
			p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		for _, x := range all {
			if slices.Contains(pr.Lost, x.ID) {
				data.Lost = append(data.Lost, ui.Choice{ID: x.ID, Name: p.factorLabel(f.lang, x)})
			}
		}
	}
	p.ui.Render(w, r, status, f.lang, ui.PageRecoveryCodes, data)
}

// codesFile serves the request's new recovery codes as a text file.
func (p mfaPages) codesFile(w http.ResponseWriter, r *http.Request) {
	f, ok := p.core.loadFlow(w, r, r.PathValue("id"), false)
	if !ok {
		return
	}
	if codes, ok := p.unsavedCodes(w, r, f); ok {
		writeCodesFile(w, p.ui, f.lang, codes)
	}
}

// writeCodesFile answers with recovery codes as a text file to keep.
func writeCodesFile(w http.ResponseWriter, u *ui.UI, lang string, codes []string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="recovery-codes.txt"`)
	h.Set("Cache-Control", "no-store")
	text := u.T(lang, "recovery.file.heading") + "\r\n\r\n" + strings.Join(codes, "\r\n") + "\r\n"
	_, _ = w.Write([]byte(text))
}

// recoverySaved continues once the person confirms they kept the codes
// (saved=yes; without it the codes page again, with its error). After a
// recovery code and its replacement, the factors the person ticked as
// lost go first (only those the request offered: the account's factors
// when the recovery code was used).
func (p mfaPages) recoverySaved(w http.ResponseWriter, r *http.Request) {
	b := p.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	if len(f.ar.MFA.UnsavedCodes) > 0 && r.PostFormValue("saved") == "" {
		// Post/redirect/get: the page with its error is a GET, so Back
		// and reload never ask to send the form again.
		http.Redirect(w, r, f.stepURL("mfa", "codes")+"?unticked=1", http.StatusSeeOther)
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
	if len(f.ar.MFA.UnsavedCodes) > 0 {
		f.change(func(a *store.AuthRequest) { a.MFA.UnsavedCodes = nil })
		if err := f.persist(ctx, b.st); err != nil && !errors.Is(err, errAlreadyDone) {
			p.log.ErrorContext(ctx, "acknowledge recovery codes", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
	}
	http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
}

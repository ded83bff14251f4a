package broker

import (
	"errors"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers/local"
	"net/http"
)

// The built-in service's forgotten password: a code to the confirmed
// address, then a new password.

func (b *Broker) forgotPage(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	b.ui.Render(w, r, http.StatusOK, f.lang, ui.PageForgot, &ui.ForgotData{Common: b.csrf(f), ServiceName: b.serviceName(f.lang),
		Action: b.stepURL(f, "local", "forgot"), BackURL: b.stepURL(f, "local")})
}

// forgot starts a password reset. The answer is the same whether or not
// the username or address exists.
func (b *Broker) forgot(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	var errs []ui.FieldError
	who := b.field(r, f.lang, "who", &errs)
	if len(errs) > 0 {
		common := b.csrf(f)
		common.Errors = errs
		b.ui.Render(w, r, http.StatusBadRequest, f.lang, ui.PageForgot, &ui.ForgotData{Common: common, ServiceName: b.serviceName(f.lang),
			Action: b.stepURL(f, "local", "forgot"), Who: who, BackURL: b.stepURL(f, "local")})
		return
	}
	resetID, otpID, err := b.local.StartReset(r.Context(), who, f.lang)
	if err != nil {
		b.log.ErrorContext(r.Context(), "start password reset", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	b.keepPending(w, r, f, resetID, otpID, "", "reset")
}

func (b *Broker) renderReset(w http.ResponseWriter, r *http.Request, f *flow, errs []ui.FieldError) {
	if f.ar.PendingLocal == "" {
		http.Redirect(w, r, b.stepURL(f, "local", "forgot"), http.StatusSeeOther)
		return
	}
	common, status := formState(b.csrf(f), errs)
	pw := b.localCfg.Password
	b.ui.Render(w, r, status, f.lang, ui.PageReset, &ui.ResetData{Common: common, Action: b.stepURL(f, "local", "reset"),
		MinLength: pw.MinLength, MaxLength: pw.MaxLength, Forbidden: pw.Forbidden, BackURL: b.stepURL(f, "local")})
}

func (b *Broker) reset(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	var errs []ui.FieldError
	code := b.field(r, f.lang, "code", &errs)
	password := b.field(r, f.lang, "password", &errs)
	if len(errs) == 0 && password != r.PostFormValue("confirm") {
		errs = append(errs, ui.FieldError{Field: "confirm", Message: b.ui.T(f.lang, "register.error.match")})
	}
	if len(errs) > 0 {
		b.renderReset(w, r, f, errs)
		return
	}
	err := b.local.FinishReset(r.Context(), f.ar.PendingLocal, f.ar.PendingOTP, code, password)
	var perr *local.PasswordError
	switch {
	case errors.Is(err, local.ErrInvalidCode):
		b.renderReset(w, r, f, []ui.FieldError{{Field: "code", Message: b.ui.T(f.lang, "confirm.error.code")}})
	case errors.As(err, &perr):
		b.renderReset(w, r, f, b.passwordErrors(f.lang, "password", perr.Problems))
	case err != nil:
		b.log.ErrorContext(r.Context(), "finish password reset", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
	default:
		b.audit(r.Context(), "local.reset", "", f.ar.ClientID, "success", nil)
		b.keepPending(w, r, f, "", "", "", "")
	}
}

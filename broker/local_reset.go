package broker

import (
	"errors"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers/local"
	"net/http"
)

// The built-in service's forgotten password: a code to the confirmed
// address, then a new password.

func (pg localPages) forgotPage(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	pg.ui.Render(w, r, http.StatusOK, f.lang, ui.PageForgot, &ui.ForgotData{Common: b.csrf(f), ServiceName: pg.serviceName(f.lang),
		Action: f.stepURL("local", "forgot"), BackURL: f.stepURL("local")})
}

// forgot starts a password reset. The answer is the same whether or not
// the username or address exists.
func (pg localPages) forgot(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	var errs []ui.FieldError
	who := field(pg.ui, r, f.lang, "who", &errs)
	if len(errs) > 0 {
		common := b.csrf(f)
		common.Errors = errs
		pg.ui.Render(w, r, http.StatusBadRequest, f.lang, ui.PageForgot, &ui.ForgotData{Common: common, ServiceName: pg.serviceName(f.lang),
			Action: f.stepURL("local", "forgot"), Who: who, BackURL: f.stepURL("local")})
		return
	}
	resetID, otpID, err := pg.svc.StartReset(r.Context(), who, f.lang)
	if err != nil {
		b.log.ErrorContext(r.Context(), "start password reset", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	pg.keepPending(w, r, f, resetID, otpID, "", "reset")
}

func (pg localPages) renderReset(w http.ResponseWriter, r *http.Request, f *flow, errs []ui.FieldError) {
	b := pg.core
	if f.ar.PendingLocal == "" {
		http.Redirect(w, r, f.stepURL("local", "forgot"), http.StatusSeeOther)
		return
	}
	common, status := formState(b.csrf(f), errs)
	pw := pg.cfg.Password
	pg.ui.Render(w, r, status, f.lang, ui.PageReset, &ui.ResetData{Common: common, Action: f.stepURL("local", "reset"),
		MinLength: pw.MinLength, MaxLength: pw.MaxLength, Forbidden: pw.Forbidden, BackURL: f.stepURL("local")})
}

func (pg localPages) reset(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	var errs []ui.FieldError
	code := field(pg.ui, r, f.lang, "code", &errs)
	password := field(pg.ui, r, f.lang, "password", &errs)
	if len(errs) == 0 && password != r.PostFormValue("confirm") {
		errs = append(errs, ui.FieldError{Field: "confirm", Message: pg.ui.T(f.lang, "register.error.match")})
	}
	if len(errs) > 0 {
		pg.renderReset(w, r, f, errs)
		return
	}
	err := pg.svc.FinishReset(r.Context(), f.ar.PendingLocal, f.ar.PendingOTP, code, password)
	var perr *local.PasswordError
	switch {
	case errors.Is(err, local.ErrInvalidCode):
		pg.renderReset(w, r, f, []ui.FieldError{{Field: "code", Message: pg.ui.T(f.lang, "confirm.error.code")}})
	case errors.As(err, &perr):
		pg.renderReset(w, r, f, pg.passwordErrors(f.lang, "password", perr.Problems))
	case err != nil:
		b.log.ErrorContext(r.Context(), "finish password reset", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
	default:
		b.audits.record(r.Context(), "local.reset", "", f.ar.ClientID, "success", nil)
		pg.keepPending(w, r, f, "", "", "", "")
	}
}

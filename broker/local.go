package broker

import (
	"errors"
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/store"
)

// The built-in GCKey-like credential service's own pages. The service
// (providers/local) keeps the users and checks passwords; as a provider it
// is a providers.PasswordProvider like any other, first-party, whose
// password page is /login/{id}/local (password.go). These handlers are
// what it has besides: registration and password reset, inside a sign-in
// like any upstream's; a confirmed registration continues as identified.
//
//	GET/POST /login/{id}/local/register   create a credential
//	GET/POST /login/{id}/local/confirm    the code emailed at registration
//	POST     /login/{id}/local/resend     a new confirmation code
//	GET/POST /login/{id}/local/forgot     forgotten password: who
//	GET/POST /login/{id}/local/reset      the code and a new password
type localPages struct {
	core *Broker
	ui   *ui.UI
	svc  *local.Service
	cfg  local.Config // svc's, defaults filled in
	ids  identities
}

func (pg localPages) Mount(mux routes) {
	// Every form here is posted by someone not yet signed in, and most
	// store something (a registration, a code): each post counts against
	// its source's rate limit.
	post := mux.throttled()
	mux.HandleFunc("GET /login/{id}/local/register", pg.registerPage)
	post.HandleFunc("POST /login/{id}/local/register", pg.register)
	mux.HandleFunc("GET /login/{id}/local/confirm", pg.view(pg.renderConfirm))
	post.HandleFunc("POST /login/{id}/local/confirm", pg.confirm)
	post.HandleFunc("POST /login/{id}/local/resend", pg.resendConfirm)
	mux.HandleFunc("GET /login/{id}/local/forgot", pg.forgotPage)
	post.HandleFunc("POST /login/{id}/local/forgot", pg.forgot)
	mux.HandleFunc("GET /login/{id}/local/reset", pg.view(pg.renderReset))
	post.HandleFunc("POST /login/{id}/local/reset", pg.reset)
}

// view serves a step's page as it first shows (no errors).
func (pg localPages) view(render func(http.ResponseWriter, *http.Request, *flow, []ui.FieldError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f, ok := pg.load(w, r); ok {
			render(w, r, f, nil)
		}
	}
}

// load loads a flow for the service's pages, which this sign-in must be
// allowed to use now; POSTs need the CSRF token.
func (pg localPages) load(w http.ResponseWriter, r *http.Request) (*flow, bool) {
	b := pg.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return nil, false
	}
	if !b.legAllowed(f, pg.cfg.ID) || !slices.Contains(b.flowUpstreams(f), pg.cfg.ID) {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return nil, false
	}
	if r.Method == http.MethodPost && !b.checkForm(w, r, f) {
		return nil, false
	}
	return f, true
}

func (pg localPages) serviceName(lang string) string {
	return name(pg.cfg.Name, lang, pg.cfg.ID)
}

func (pg localPages) registerPage(w http.ResponseWriter, r *http.Request) {
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	pg.renderRegister(w, r, f, "", "", nil)
}

func (pg localPages) renderRegister(w http.ResponseWriter, r *http.Request, f *flow, username, email string, errs []ui.FieldError) {
	b := pg.core
	common, status := formState(b.csrf(f), errs)
	pw := pg.cfg.Password
	pg.ui.Render(w, r, status, f.lang, ui.PageRegister, &ui.RegisterData{Common: common, ServiceName: pg.serviceName(f.lang),
		Action: f.stepURL("local", "register"), Username: username, Email: email,
		MinLength: pw.MinLength, MaxLength: pw.MaxLength, Forbidden: pw.Forbidden, BackURL: f.stepURL("local")})
}

// passwordErrors translates the rules a password breaks.
func (pg localPages) passwordErrors(lang, field string, problems []string) []ui.FieldError {
	var out []ui.FieldError
	pw := pg.cfg.Password
	for _, p := range problems {
		var msg string
		switch p {
		case "too_short":
			msg = pg.ui.T(lang, "password.error.too_short", pw.MinLength)
		case "too_long":
			msg = pg.ui.T(lang, "password.error.too_long", pw.MaxLength)
		case "forbidden":
			msg = pg.ui.T(lang, "password.error.forbidden", pw.Forbidden)
		default:
			msg = pg.ui.T(lang, "password.error."+p)
		}
		out = append(out, ui.FieldError{Field: field, Message: msg})
	}
	return out
}

// register creates an unconfirmed credential; nothing is usable before
// the email is confirmed.
func (pg localPages) register(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var errs []ui.FieldError
	username := field(pg.ui, r, f.lang, "username", &errs)
	email := field(pg.ui, r, f.lang, "email", &errs)
	password := field(pg.ui, r, f.lang, "password", &errs)
	confirm := r.PostFormValue("confirm")
	if len(errs) == 0 {
		if _, err := local.NormalizeUsername(username); err != nil {
			errs = append(errs, ui.FieldError{Field: "username", Message: pg.ui.T(f.lang, "register.error.username")})
		}
		if _, err := local.NormalizeEmail(email); err != nil {
			errs = append(errs, ui.FieldError{Field: "email", Message: pg.ui.T(f.lang, "register.error.email")})
		}
		errs = append(errs, pg.passwordErrors(f.lang, "password", pg.svc.CheckPassword(password, username, email))...)
		if password != confirm {
			errs = append(errs, ui.FieldError{Field: "confirm", Message: pg.ui.T(f.lang, "register.error.match")})
		}
	}
	if len(errs) > 0 {
		pg.renderRegister(w, r, f, username, email, errs)
		return
	}
	pending, otpID, err := pg.svc.Register(ctx, username, email, password, f.lang)
	var perr *local.PasswordError
	switch {
	case errors.Is(err, local.ErrUsernameTaken):
		pg.renderRegister(w, r, f, username, email, []ui.FieldError{{Field: "username", Message: pg.ui.T(f.lang, "register.error.taken")}})
		return
	case errors.As(err, &perr):
		pg.renderRegister(w, r, f, username, email, pg.passwordErrors(f.lang, "password", perr.Problems))
		return
	case errors.Is(err, emailotp.ErrRateLimited):
		b.pages.errorMsg(w, r, http.StatusTooManyRequests, &f.ar, "mfa.error.rate")
		return
	case err != nil:
		b.log.ErrorContext(ctx, "register", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	pg.keepPending(w, r, f, pending, otpID, email, "confirm")
}

// keepPending records the built-in service's step in progress and moves
// to its next page.
func (pg localPages) keepPending(w http.ResponseWriter, r *http.Request, f *flow, pending, otpID, email, next string) {
	b := pg.core
	err := f.write(r.Context(), b.st, func(a *store.AuthRequest) {
		a.PendingLocal, a.PendingOTP, a.PendingEmail = pending, otpID, email
	})
	if err != nil {
		b.log.ErrorContext(r.Context(), "keep pending step", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	to := f.stepURL("local")
	if next != "" {
		to = f.stepURL("local", next)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (pg localPages) renderConfirm(w http.ResponseWriter, r *http.Request, f *flow, errs []ui.FieldError) {
	b := pg.core
	if f.ar.PendingLocal == "" {
		http.Redirect(w, r, f.stepURL("local", "register"), http.StatusSeeOther)
		return
	}
	common, status := formState(b.csrf(f), errs)
	pg.ui.Render(w, r, status, f.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: "confirm", SentTo: maskEmail(f.ar.PendingEmail),
		Action: f.stepURL("local", "confirm"), ResendAction: f.stepURL("local", "resend"), CancelURL: f.stepURL("cancel"),
		ValidFor: b.cfg.MFA.Email.CodeTTL})
}

// confirm checks the emailed code; the new credential then signs in.
func (pg localPages) confirm(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	user, err := pg.svc.Confirm(r.Context(), f.ar.PendingLocal, f.ar.PendingOTP, r.PostFormValue("code"))
	if errors.Is(err, local.ErrInvalidCode) {
		pg.renderConfirm(w, r, f, []ui.FieldError{{Field: "code", Message: pg.ui.T(f.lang, "confirm.error.code")}})
		return
	}
	if err != nil {
		b.log.ErrorContext(r.Context(), "confirm registration", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	b.audits.record(r.Context(), "local.register", "", f.ar.ClientID, "success", map[string]string{"user": user.ID})
	pg.ids.identified(w, r, f, pg.cfg.ID, localIdentity(user))
}

func (pg localPages) resendConfirm(w http.ResponseWriter, r *http.Request) {
	b := pg.core
	f, ok := pg.load(w, r)
	if !ok {
		return
	}
	otpID, err := pg.svc.Resend(r.Context(), f.ar.PendingLocal, f.lang)
	if errors.Is(err, emailotp.ErrRateLimited) {
		b.pages.errorMsg(w, r, http.StatusTooManyRequests, &f.ar, "mfa.error.rate")
		return
	}
	if err != nil {
		pg.renderConfirm(w, r, f, []ui.FieldError{{Field: "code", Message: pg.ui.T(f.lang, "confirm.error.code")}})
		return
	}
	pg.keepPending(w, r, f, f.ar.PendingLocal, otpID, f.ar.PendingEmail, "confirm")
}

// localIdentity is what the built-in service says of a confirmed user:
// its ID as subject, the confirmed address, and a password.
func localIdentity(u store.LocalUser) providers.Identity {
	return providers.Identity{Subject: u.ID, Email: u.Email, EmailVerified: u.Confirmed, AMR: []string{"pwd"}}
}

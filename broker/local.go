package broker

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/store"
)

// The built-in GCKey-like credential service's pages. The service
// (providers/local) keeps the users and checks passwords; these handlers
// are its face, inside a sign-in like any upstream's: the chooser leads
// here, and a checked credential continues as identified.
//
//	GET/POST /login/{id}/local            sign in with username and password
//	GET/POST /login/{id}/local/register   create a credential
//	GET/POST /login/{id}/local/confirm    the code emailed at registration
//	POST     /login/{id}/local/resend     a new confirmation code
//	GET/POST /login/{id}/local/forgot     forgotten password: who
//	GET/POST /login/{id}/local/reset      the code and a new password
func (b *Broker) mountLocal(mux routes) {
	if b.local == nil {
		return
	}
	// Every form here is posted by someone not yet signed in, and most
	// store something (a registration, a code, a failure count): each
	// post counts against its source's rate limit.
	post := mux.throttled()
	mux.HandleFunc("GET /login/{id}/local", b.localPage)
	post.HandleFunc("POST /login/{id}/local", b.localLogin)
	mux.HandleFunc("GET /login/{id}/local/register", b.registerPage)
	post.HandleFunc("POST /login/{id}/local/register", b.register)
	mux.HandleFunc("GET /login/{id}/local/confirm", b.localView(b.renderConfirm))
	post.HandleFunc("POST /login/{id}/local/confirm", b.confirm)
	post.HandleFunc("POST /login/{id}/local/resend", b.resendConfirm)
	mux.HandleFunc("GET /login/{id}/local/forgot", b.forgotPage)
	post.HandleFunc("POST /login/{id}/local/forgot", b.forgot)
	mux.HandleFunc("GET /login/{id}/local/reset", b.localView(b.renderReset))
	post.HandleFunc("POST /login/{id}/local/reset", b.reset)
}

// localView serves a step's page as it first shows (no errors).
func (b *Broker) localView(render func(http.ResponseWriter, *http.Request, *flow, []ui.FieldError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if f, ok := b.loadLocal(w, r); ok {
			render(w, r, f, nil)
		}
	}
}

// maxField bounds every text field of these forms: far above any real
// username, address or password, far below what could cost anything.
const maxField = 256

// loadLocal loads a flow for the built-in service's steps; POSTs need the
// CSRF token.
func (b *Broker) loadLocal(w http.ResponseWriter, r *http.Request) (*flow, bool) {
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return nil, false
	}
	if !b.legAllowed(f, b.localID) || !slices.Contains(b.flowUpstreams(f), b.localID) {
		http.Redirect(w, r, b.stepURL(f), http.StatusSeeOther)
		return nil, false
	}
	if r.Method == http.MethodPost && !b.checkForm(w, r, f) {
		return nil, false
	}
	return f, true
}

// fieldLabels are the message keys of the labels of the fields field
// reads, so an error summary names each field it lists.
var fieldLabels = map[string]string{
	"username": "local.username.label", "password": "local.password.label", "email": "email.label",
	"who": "forgot.who.label", "code": "code.email.label",
}

// field reads a form field: required, at most maxField bytes, valid
// UTF-8; the problem is added to errs under the field's id, naming it.
func (b *Broker) field(r *http.Request, lang, id string, errs *[]ui.FieldError) string {
	v := r.PostFormValue(id)
	label := b.ui.T(lang, fieldLabels[id])
	switch {
	case !utf8.ValidString(v):
		*errs = append(*errs, ui.FieldError{Field: id, Message: b.ui.T(lang, "password.error.invalid")})
	case strings.TrimSpace(v) == "":
		*errs = append(*errs, ui.FieldError{Field: id, Message: b.ui.T(lang, "field.error.required", label)})
	case len(v) > maxField:
		*errs = append(*errs, ui.FieldError{Field: id, Message: b.ui.T(lang, "field.error.too_long", label, maxField)})
	}
	return v
}

func (b *Broker) serviceName(lang string) string {
	return name(b.catalog().upstreams[b.localID].Name, lang, b.localID)
}

func (b *Broker) localPage(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	b.renderLocal(w, r, f, "", nil)
}

func (b *Broker) renderLocal(w http.ResponseWriter, r *http.Request, f *flow, username string, errs []ui.FieldError) {
	common, status := formState(b.csrf(f), errs)
	b.ui.Render(w, r, status, f.lang, ui.PageLocalSignIn, &ui.LocalSignInData{Common: common, ServiceName: b.serviceName(f.lang),
		Action: b.stepURL(f, "local"), Username: username, RegisterURL: b.stepURL(f, "local", "register"),
		ForgotURL: b.stepURL(f, "local", "forgot"), BackURL: b.stepURL(f)})
}

// localLogin checks a username and password. Attempts count toward the
// account's one failure counter, like second-factor codes; the answer is
// the same whatever was wrong, a lock or a delay included (local_guard.go).
func (b *Broker) localLogin(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var errs []ui.FieldError
	username := b.field(r, f.lang, "username", &errs)
	password := b.field(r, f.lang, "password", &errs)
	if len(errs) > 0 {
		b.renderLocal(w, r, f, username, errs)
		return
	}
	acctID := b.localAccount(r, username)
	att, ok := b.reservePassword(w, r, f, acctID, username, password)
	if !ok {
		return
	}
	_, ident, err := b.local.Login(ctx, username, password)
	if errors.Is(err, local.ErrInvalidCredentials) {
		b.passwordFailed(ctx, f, acctID, att)
		b.wrongPassword(w, r, f, username)
		return
	}
	if err != nil {
		b.log.ErrorContext(ctx, "local sign-in", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	if !b.passwordReleased(w, r, f, att, username) {
		return
	}
	b.identified(w, r, f, b.localID, ident)
}

// localAccount is the account linked to a username, if any ("" also
// when the username is unknown: the caller treats both alike).
func (b *Broker) localAccount(r *http.Request, username string) string {
	norm, err := local.NormalizeUsername(username)
	if err != nil {
		return ""
	}
	u, err := b.st.GetLocalUserByUsername(r.Context(), norm)
	if err != nil {
		return ""
	}
	l, err := b.st.GetLink(r.Context(), b.localID, u.ID)
	if err != nil {
		return ""
	}
	return l.AccountID
}

func (b *Broker) registerPage(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	b.renderRegister(w, r, f, "", "", nil)
}

func (b *Broker) renderRegister(w http.ResponseWriter, r *http.Request, f *flow, username, email string, errs []ui.FieldError) {
	common, status := formState(b.csrf(f), errs)
	pw := b.localCfg.Password
	b.ui.Render(w, r, status, f.lang, ui.PageRegister, &ui.RegisterData{Common: common, ServiceName: b.serviceName(f.lang),
		Action: b.stepURL(f, "local", "register"), Username: username, Email: email,
		MinLength: pw.MinLength, MaxLength: pw.MaxLength, Forbidden: pw.Forbidden, BackURL: b.stepURL(f, "local")})
}

// passwordErrors translates the rules a password breaks.
func (b *Broker) passwordErrors(lang, field string, problems []string) []ui.FieldError {
	var out []ui.FieldError
	pw := b.localCfg.Password
	for _, p := range problems {
		var msg string
		switch p {
		case "too_short":
			msg = b.ui.T(lang, "password.error.too_short", pw.MinLength)
		case "too_long":
			msg = b.ui.T(lang, "password.error.too_long", pw.MaxLength)
		case "forbidden":
			msg = b.ui.T(lang, "password.error.forbidden", pw.Forbidden)
		default:
			msg = b.ui.T(lang, "password.error."+p)
		}
		out = append(out, ui.FieldError{Field: field, Message: msg})
	}
	return out
}

// register creates an unconfirmed credential; nothing is usable before
// the email is confirmed.
func (b *Broker) register(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var errs []ui.FieldError
	username := b.field(r, f.lang, "username", &errs)
	email := b.field(r, f.lang, "email", &errs)
	password := b.field(r, f.lang, "password", &errs)
	confirm := r.PostFormValue("confirm")
	if len(errs) == 0 {
		if _, err := local.NormalizeUsername(username); err != nil {
			errs = append(errs, ui.FieldError{Field: "username", Message: b.ui.T(f.lang, "register.error.username")})
		}
		if _, err := local.NormalizeEmail(email); err != nil {
			errs = append(errs, ui.FieldError{Field: "email", Message: b.ui.T(f.lang, "register.error.email")})
		}
		errs = append(errs, b.passwordErrors(f.lang, "password", b.local.CheckPassword(password, username, email))...)
		if password != confirm {
			errs = append(errs, ui.FieldError{Field: "confirm", Message: b.ui.T(f.lang, "register.error.match")})
		}
	}
	if len(errs) > 0 {
		b.renderRegister(w, r, f, username, email, errs)
		return
	}
	pending, otpID, err := b.local.Register(ctx, username, email, password, f.lang)
	var perr *local.PasswordError
	switch {
	case errors.Is(err, local.ErrUsernameTaken):
		b.renderRegister(w, r, f, username, email, []ui.FieldError{{Field: "username", Message: b.ui.T(f.lang, "register.error.taken")}})
		return
	case errors.As(err, &perr):
		b.renderRegister(w, r, f, username, email, b.passwordErrors(f.lang, "password", perr.Problems))
		return
	case errors.Is(err, emailotp.ErrRateLimited):
		b.errorPageMsg(w, r, http.StatusTooManyRequests, &f.ar, "mfa.error.rate")
		return
	case err != nil:
		b.log.ErrorContext(ctx, "register", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	b.keepPending(w, r, f, pending, otpID, email, "confirm")
}

// keepPending records the built-in service's step in progress and moves
// to its next page.
func (b *Broker) keepPending(w http.ResponseWriter, r *http.Request, f *flow, pending, otpID, email, next string) {
	err := b.writeFlow(r.Context(), f, func(a *store.AuthRequest) {
		a.PendingLocal, a.PendingOTP, a.PendingEmail = pending, otpID, email
	})
	if err != nil {
		b.log.ErrorContext(r.Context(), "keep pending step", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	to := b.stepURL(f, "local")
	if next != "" {
		to = b.stepURL(f, "local", next)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (b *Broker) renderConfirm(w http.ResponseWriter, r *http.Request, f *flow, errs []ui.FieldError) {
	if f.ar.PendingLocal == "" {
		http.Redirect(w, r, b.stepURL(f, "local", "register"), http.StatusSeeOther)
		return
	}
	common, status := formState(b.csrf(f), errs)
	b.ui.Render(w, r, status, f.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: "confirm", SentTo: maskEmail(f.ar.PendingEmail),
		Action: b.stepURL(f, "local", "confirm"), ResendAction: b.stepURL(f, "local", "resend"), CancelURL: b.stepURL(f, "cancel")})
}

// confirm checks the emailed code; the new credential then signs in.
func (b *Broker) confirm(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	user, err := b.local.Confirm(r.Context(), f.ar.PendingLocal, f.ar.PendingOTP, r.PostFormValue("code"))
	if errors.Is(err, local.ErrInvalidCode) {
		b.renderConfirm(w, r, f, []ui.FieldError{{Field: "code", Message: b.ui.T(f.lang, "confirm.error.code")}})
		return
	}
	if err != nil {
		b.log.ErrorContext(r.Context(), "confirm registration", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	b.audit(r.Context(), "local.register", "", f.ar.ClientID, "success", map[string]string{"user": user.ID})
	b.identified(w, r, f, b.localID, localIdentity(user))
}

func (b *Broker) resendConfirm(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadLocal(w, r)
	if !ok {
		return
	}
	otpID, err := b.local.Resend(r.Context(), f.ar.PendingLocal, f.lang)
	if errors.Is(err, emailotp.ErrRateLimited) {
		b.errorPageMsg(w, r, http.StatusTooManyRequests, &f.ar, "mfa.error.rate")
		return
	}
	if err != nil {
		b.renderConfirm(w, r, f, []ui.FieldError{{Field: "code", Message: b.ui.T(f.lang, "confirm.error.code")}})
		return
	}
	b.keepPending(w, r, f, f.ar.PendingLocal, otpID, f.ar.PendingEmail, "confirm")
}

// localIdentity is what the built-in service says of a confirmed user:
// its ID as subject, the confirmed address, and a password.
func localIdentity(u store.LocalUser) providers.Identity {
	return providers.Identity{Subject: u.ID, Email: u.Email, EmailVerified: u.Confirmed, AMR: []string{"pwd"}}
}

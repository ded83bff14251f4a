package broker

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// The password page: sign-in with a username and password at a
// providers.PasswordProvider, inside a sign-in like any upstream's: the
// chooser leads here, and a checked credential continues as identified.
// The first-party service's page (the built-in GCKey-like one) keeps its
// own short URL and links to its registration and reset pages
// (local.go).
//
//	GET/POST /login/{id}/local                 the first-party service
//	GET/POST /login/{id}/password/{provider}   any other password provider
//
// Attempts count toward the account's one failure counter, like second-
// factor codes; the answer is the same whatever was wrong, a lock or a
// delay included (password_guard.go).
type passwordPages struct {
	core *Broker
	st   store.Store
	ui   *ui.UI
	reg  *mfa.Regulator
	ids  identities
	// firstPartyPages: the first-party service's registration and reset
	// pages are mounted, so its page links to them.
	firstPartyPages bool
}

func (pg passwordPages) Mount(mux routes) {
	// Anyone may post here, and a post may store something (a failure
	// count): each counts against its source's rate limit.
	post := mux.throttled()
	mux.HandleFunc("GET /login/{id}/local", pg.page)
	post.HandleFunc("POST /login/{id}/local", pg.login)
	mux.HandleFunc("GET /login/{id}/password/{provider}", pg.page)
	post.HandleFunc("POST /login/{id}/password/{provider}", pg.login)
}

// passwordURL is the password page of the upstream up in flow f.
func passwordURL(f *flow, up Upstream) string {
	if up.FirstParty {
		return f.stepURL("local")
	}
	return f.stepURL("password", up.ID)
}

// passwordLeg is one request at a password page: the flow, the upstream
// and its provider.
type passwordLeg struct {
	f  *flow
	up Upstream
	pp providers.PasswordProvider
}

// load finds the flow and the upstream of a password page (the
// first-party one at /local), which this sign-in must be allowed to use
// now; POSTs need the CSRF token. When it returns false it has answered.
func (pg passwordPages) load(w http.ResponseWriter, r *http.Request) (passwordLeg, bool) {
	b := pg.core
	cat := b.catalog()
	id, firstParty := r.PathValue("provider"), r.PathValue("provider") == ""
	if firstParty {
		id = cat.firstParty
	}
	up, known := cat.upstreams[id]
	pp, ok := up.Provider.(providers.PasswordProvider)
	if !known || !ok || up.FirstParty != firstParty {
		http.NotFound(w, r)
		return passwordLeg{}, false
	}
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return passwordLeg{}, false
	}
	if !b.legAllowed(f, id) || !slices.Contains(b.flowUpstreams(f), id) {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return passwordLeg{}, false
	}
	if r.Method == http.MethodPost && !b.checkForm(w, r, f) {
		return passwordLeg{}, false
	}
	return passwordLeg{f: f, up: up, pp: pp}, true
}

func (pg passwordPages) page(w http.ResponseWriter, r *http.Request) {
	if l, ok := pg.load(w, r); ok {
		pg.render(w, r, l, "", nil)
	}
}

func (pg passwordPages) render(w http.ResponseWriter, r *http.Request, l passwordLeg, username string, errs []ui.FieldError) {
	b, f := pg.core, l.f
	common, status := formState(b.csrf(f), errs)
	data := &ui.LocalSignInData{Common: common, ServiceName: name(l.up.Name, f.lang, l.up.ID),
		Action: passwordURL(f, l.up), Username: username, BackURL: f.stepURL()}
	if l.up.FirstParty && pg.firstPartyPages {
		data.RegisterURL, data.ForgotURL = f.stepURL("local", "register"), f.stepURL("local", "forgot")
	}
	pg.ui.Render(w, r, status, f.lang, ui.PageLocalSignIn, data)
}

// login checks a username and password.
func (pg passwordPages) login(w http.ResponseWriter, r *http.Request) {
	l, ok := pg.load(w, r)
	if !ok {
		return
	}
	b, f, ctx := pg.core, l.f, r.Context()
	var errs []ui.FieldError
	username := field(pg.ui, r, f.lang, "username", &errs)
	password := field(pg.ui, r, f.lang, "password", &errs)
	if len(errs) > 0 {
		pg.render(w, r, l, username, errs)
		return
	}
	acctID := pg.account(r, l, username)
	att, ok := pg.reserve(w, r, l, acctID, username, password)
	if !ok {
		return
	}
	ident, err := l.pp.Login(ctx, username, password)
	if errors.Is(err, providers.ErrInvalidCredentials) {
		pg.failed(r, l, acctID, att)
		pg.wrongPassword(w, r, l, username)
		return
	}
	if err != nil {
		b.log.ErrorContext(ctx, "password sign-in", "provider", l.up.ID, "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	if !pg.released(w, r, l, att, username) {
		return
	}
	pg.ids.identified(w, r, f, l.up.ID, ident)
}

// account is the account linked to a username, if any ("" also when the
// username is unknown: the caller treats both alike).
func (pg passwordPages) account(r *http.Request, l passwordLeg, username string) string {
	sub, err := l.pp.Subject(r.Context(), username)
	if err != nil {
		return ""
	}
	link, err := pg.st.GetLink(r.Context(), l.up.ID, sub)
	if err != nil {
		return ""
	}
	return link.AccountID
}

// maxField bounds every text field of the password and built-in service
// forms: far above any real username, address or password, far below
// what could cost anything.
const maxField = 256

// fieldLabels are the message keys of the labels of the fields field
// reads, so an error summary names each field it lists.
var fieldLabels = map[string]string{
	"username": "local.username.label", "password": "local.password.label", "email": "email.label",
	"who": "forgot.who.label", "code": "code.email.label",
}

// field reads a form field: required, at most maxField bytes, valid
// UTF-8; the problem is added to errs under the field's id, naming it.
func field(u *ui.UI, r *http.Request, lang, id string, errs *[]ui.FieldError) string {
	v := r.PostFormValue(id)
	label := u.T(lang, fieldLabels[id])
	switch {
	case !utf8.ValidString(v):
		*errs = append(*errs, ui.FieldError{Field: id, Message: u.T(lang, "password.error.invalid")})
	case strings.TrimSpace(v) == "":
		*errs = append(*errs, ui.FieldError{Field: id, Message: u.T(lang, "field.error.required", label)})
	case len(v) > maxField:
		*errs = append(*errs, ui.FieldError{Field: id, Message: u.T(lang, "field.error.too_long", label, maxField)})
	}
	return v
}

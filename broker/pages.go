package broker

import (
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// errKind names an error page: its message keys are error.<kind>.title and
// error.<kind>.message in the catalogues. People see these generic
// messages; the detail goes to the log line written where the error arose.
type errKind string

const (
	errGeneric           errKind = "generic"
	errExpired           errKind = "session_expired"
	errUpstream          errKind = "upstream"
	errUpstreamDenied    errKind = "upstream_denied"
	errUpstreamMessage   errKind = "upstream_message"
	errState             errKind = "state"
	errUntrustedRedirect errKind = "unknown_client"
	errInvalidRequest    errKind = "invalid_request"
	errAccessDenied      errKind = "access_denied"
	errCSRF              errKind = "csrf"
	errNotFound          errKind = "not_found"
	errLocked            errKind = "locked"
	errPolicy            errKind = "policy"
	errDormant           errKind = "dormant"
	errTooMany           errKind = "too_many_requests"
	errTooLarge          errKind = "too_large"
	errMethod            errKind = "method"
	errInternal          errKind = "internal"
	errEnded             errKind = "ended"
	errSignedIn          errKind = "signed_in"
)

// pages writes the pages that belong to no step: errors, the home page,
// the signed-out page.
type pages struct{ ui *ui.UI }

// lang is the language of a page: the flow's ui_locales, the cookie,
// Accept-Language, else English (the page carries the toggle).
func (p pages) lang(r *http.Request, ar *store.AuthRequest) string {
	var locales []string
	if ar != nil {
		locales = ar.UILocales
	}
	if l, ok := p.ui.Language(r, locales); ok {
		return l
	}
	return "en"
}

func (p pages) errorPage(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind) {
	p.errorPageWith(w, r, status, ar, kind, nil, nil)
}

// errorWith is errorPage with whom to contact, by language (the
// deployment's accounts.contact; nil shows nobody).
func (p pages) errorWith(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind, contact map[string]string) {
	p.errorPageWith(w, r, status, ar, kind, contact, nil)
}

// errorLinks is errorPage with ways forward: links made in the page's
// language.
func (p pages) errorLinks(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind, links func(lang string) []ui.Link) {
	p.errorPageWith(w, r, status, ar, kind, nil, links)
}

// errorPageWith writes the error page of kind, with whom to contact and
// ways forward when given.
func (p pages) errorPageWith(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind, contact map[string]string, links func(lang string) []ui.Link) {
	lang := p.lang(r, ar)
	key := "error." + string(kind)
	d := &ui.ErrorData{
		// The toggle link keeps the path only: the query may be untrusted
		// input (an unregistered redirect_uri) not worth echoing.
		Common:    ui.Common{Title: p.ui.T(lang, key+".title"), Path: r.URL.Path},
		Heading:   p.ui.T(lang, key+".title"),
		Message:   p.ui.T(lang, key+".message"),
		Reference: requestRef(r),
		Contact:   contact[lang],
	}
	if links != nil {
		d.Links = links(lang)
	}
	p.ui.Render(w, r, status, lang, ui.PageError, d)
}

// homeLinks are the ways forward from a page that knows no service: the
// account page (which asks to sign in when needed) and the home page.
func (p pages) homeLinks(lang string) []ui.Link {
	return []ui.Link{{Text: p.ui.T(lang, "nav.account"), URL: "/account"}, {Text: p.ui.T(lang, "nav.home"), URL: "/"}}
}

// errorMsg is the generic error page with a specific message key.
func (p pages) errorMsg(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, msgKey string) {
	lang := p.lang(r, ar)
	title := p.ui.T(lang, "error.generic.title")
	p.ui.Render(w, r, status, lang, ui.PageError, &ui.ErrorData{
		Common:  ui.Common{Title: title, Path: r.URL.Path},
		Heading: title, Message: p.ui.T(lang, msgKey), Reference: requestRef(r),
	})
}

func (p pages) loggedOut(w http.ResponseWriter, r *http.Request) {
	p.renderLoggedOut(w, r, &ui.LoggedOutData{})
}

func (p pages) renderLoggedOut(w http.ResponseWriter, r *http.Request, d *ui.LoggedOutData) {
	p.ui.Render(w, r, http.StatusOK, p.lang(r, nil), ui.PageLoggedOut, d)
}

func (p pages) home(w http.ResponseWriter, r *http.Request) {
	lang := p.lang(r, nil)
	// The account page asks to sign in when there is no session: the link
	// serves both the signed-in person and the one looking for it.
	p.ui.Render(w, r, http.StatusOK, lang, ui.PageHome, &ui.HomeData{Links: []ui.Link{{Text: p.ui.T(lang, "nav.account"), URL: "/account"}}})
}

// confirm asks "are you sure?" before an account change that removes
// something: the page of the keys prefix+"confirm.title" (with what, the
// thing's name), ".message" and ".submit", whose form posts confirm=yes
// to action; cancel leads back.
func (p pages) confirm(w http.ResponseWriter, r *http.Request, v *accountView, prefix, what, action, cancel string) {
	common := v.common()
	common.Title, common.Path = p.ui.T(v.lang, prefix+"confirm.title", what), cancel
	p.ui.Render(w, r, http.StatusOK, v.lang, ui.PageConfirm, &ui.ConfirmData{
		Common:  common,
		Message: p.ui.T(v.lang, prefix+"confirm.message"), Action: action,
		Submit: p.ui.T(v.lang, prefix+"confirm.submit"), CancelURL: cancel,
	})
}

// requestRef is a short reference a person can quote to support; the
// same value is in the request's log lines.
func requestRef(r *http.Request) string {
	if id, ok := r.Context().Value(ctxRequestID).(string); ok {
		return id
	}
	return ""
}

// formState completes the Common of a form page with its errors and
// gives its status: 400 when it shows errors, so a failed POST is not
// mistaken for success.
func formState(c ui.Common, errs []ui.FieldError) (ui.Common, int) {
	c.Errors = errs
	if len(errs) > 0 {
		return c, http.StatusBadRequest
	}
	return c, http.StatusOK
}

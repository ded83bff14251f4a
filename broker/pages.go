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
	p.errorWith(w, r, status, ar, kind, nil)
}

// errorWith is errorPage with whom to contact, by language (the
// deployment's accounts.contact; nil shows nobody).
func (p pages) errorWith(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind, contact map[string]string) {
	lang := p.lang(r, ar)
	key := "error." + string(kind)
	p.ui.Render(w, r, status, lang, ui.PageError, &ui.ErrorData{
		// The toggle link keeps the path only: the query may be untrusted
		// input (an unregistered redirect_uri) not worth echoing.
		Common:    ui.Common{Title: p.ui.T(lang, key+".title"), Path: r.URL.Path},
		Heading:   p.ui.T(lang, key+".title"),
		Message:   p.ui.T(lang, key+".message"),
		Reference: requestRef(r),
		Contact:   contact[lang],
	})
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
	p.ui.Render(w, r, http.StatusOK, p.lang(r, nil), ui.PageHome, &ui.HomeData{})
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

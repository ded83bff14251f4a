package broker

import (
	"net/http"
)

// Addresses no route serves, methods a route does not take, and handler
// panics get the pages' own bilingual error page inside the page frame
// (title, lang, toggle), never Go's plain-text answers.

// withPages serves mux, answering what it would answer with a plain-text
// 404 or 405 (no pattern matched) with the error page of that status,
// the Allow header kept, and a panic in any handler with the 500 page.
func (b *Broker) withPages(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer b.recovered(w, r)
		// Handler only looks; ServeHTTP sets the request's path values.
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		b.plainErrorsAsPages(mux).ServeHTTP(w, r)
	})
}

// plainErrorsAsPages runs h and replaces a 404 or 405 it writes with the
// error page; anything else (a redirect to the canonical path) goes
// through.
func (b *Broker) plainErrorsAsPages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &catchError{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		switch cw.status {
		case http.StatusNotFound:
			b.pages.errorLinks(w, r, http.StatusNotFound, nil, errNotFound, b.pages.homeLinks)
		case http.StatusMethodNotAllowed:
			b.pages.errorLinks(w, r, http.StatusMethodNotAllowed, nil, errMethod, b.pages.homeLinks)
		}
	})
}

// recovered answers a handler's panic with the 500 page (unless the
// handler meant to abort the response).
func (b *Broker) recovered(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	b.log.ErrorContext(r.Context(), "handler panic", "panic", v, "path", r.URL.Path)
	b.pages.errorLinks(w, r, http.StatusInternalServerError, nil, errInternal, b.pages.homeLinks)
}

// catchError holds back a 404 or 405 and its plain-text body.
type catchError struct {
	http.ResponseWriter
	status int
}

func (c *catchError) WriteHeader(code int) {
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		c.status = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *catchError) Write(p []byte) (int, error) {
	if c.status != 0 {
		return len(p), nil
	}
	return c.ResponseWriter.Write(p)
}

package broker

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"

	"github.com/passerelle/passerelle/store"
)

// Request body limits, by what a route accepts. Go's own cap on a form is
// 10 MB, which twenty concurrent posts turn into hundreds of MB of memory;
// a route here reads at most its limit and refuses a larger body, without
// reading it when Content-Length already says it is too large.
const (
	// formBody: the sign-in and account forms (a CSRF token, a password,
	// an email address, a code) and every route that takes no body.
	formBody = 4 << 10
	// protocolBody: token, introspection, revocation, userinfo and end
	// session requests, authorization requests sent by POST (every
	// parameter's own limit, summed, fits) and upstream callbacks. A
	// private_key_jwt assertion is under 2 KB; an id_token_hint too.
	protocolBody = 16 << 10
	// callbackBody: an upstream's answer posted to /callback/{provider}: a
	// SAML Response by HTTP-POST, signed and encrypted, carries the IdP's
	// certificate once or twice and an encrypted key (13.6 KiB with
	// 2048-bit keys in providers/saml's tests; more with larger keys).
	callbackBody = 64 << 10
	// webauthnBody: a security key's registration or assertion, whose
	// attestation may carry a certificate chain.
	webauthnBody = 64 << 10
)

// routes mounts handlers on the broker's ServeMux behind the guards every
// route gets at the edge: a request body limit sized to what the route
// accepts and, on the routes where an anonymous visitor makes the server
// store something, the per-source rate limit. A guard refuses with a page
// on the routes a browser visits and with an OAuth JSON error on the back
// channel.
type routes struct {
	mux      *http.ServeMux
	limiter  *limiter // nil: no rate limit
	log      *slog.Logger
	page     func(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind) // error pages
	body     int64
	throttle bool
	oauth    bool // refusals as JSON (RFC 6749 §5.2), not pages
}

// Handle mounts h at pattern behind the guards.
func (rt routes) Handle(pattern string, h http.Handler) { rt.mux.Handle(pattern, rt.guard(h)) }

// HandleFunc mounts f at pattern behind the guards.
func (rt routes) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, http.HandlerFunc(f))
}

// withBody is rt with another body limit.
func (rt routes) withBody(n int64) routes { rt.body = n; return rt }

// throttled is rt with the per-source rate limit (when it is on).
func (rt routes) throttled() routes { rt.throttle = rt.limiter != nil; return rt }

// backChannel is rt for endpoints whose callers read OAuth JSON errors.
func (rt routes) backChannel() routes { rt.oauth = true; return rt }

func (rt routes) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.throttle && !rt.limiter.admit(w, r, rt.log) {
			rt.refuse(w, r, http.StatusTooManyRequests)
			return
		}
		if r.ContentLength > rt.body {
			rt.refuse(w, r, http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, rt.body)
		if isFormPost(r) {
			// Parsed here, so a body over the limit is a 413 whatever the
			// handler does with a parse error (FormValue ignores them).
			if err := r.ParseForm(); err != nil {
				status := http.StatusBadRequest
				if errors.As(err, new(*http.MaxBytesError)) {
					status = http.StatusRequestEntityTooLarge
				}
				rt.refuse(w, r, status)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers a request a guard stops.
func (rt routes) refuse(w http.ResponseWriter, r *http.Request, status int) {
	if rt.oauth {
		code, desc := "invalid_request", "the request body is not a valid form"
		switch status {
		case http.StatusRequestEntityTooLarge:
			desc = "the request body is too large"
		case http.StatusTooManyRequests:
			code, desc = "temporarily_unavailable", "too many requests from this address; retry later"
		}
		writeOAuthError(w, status, code, desc)
		return
	}
	kind := errInvalidRequest
	switch status {
	case http.StatusRequestEntityTooLarge:
		kind = errTooLarge
	case http.StatusTooManyRequests:
		kind = errTooMany
	}
	w.Header().Set("Cache-Control", "no-store")
	rt.page(w, r, status, nil, kind)
}

func isFormPost(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

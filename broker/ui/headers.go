package ui

import (
	"net/http"
	"strings"
)

// SecurityHeaders sets the security headers on every response before
// calling next:
//
//   - Content-Security-Policy: nothing by default; styles, images and
//     scripts from this origin only (images also as data: URLs); no
//     framing; no <base>. No inline script or style is allowed, and the
//     pages have none.
//   - form-action 'self' https: — after a form POST the broker answers
//     with a redirect to an upstream sign-in service or to a relying
//     party's redirect URI, and browsers check form-action against every
//     redirect of a form submission. 'self' alone would break sign-in; a
//     per-deployment list of origins would have to follow every client
//     and provider change. "https:" still refuses http:, data: and
//     javascript: targets. Without TLS (local development, where relying
//     parties run on plain-http loopback) http: is allowed as well.
//   - X-Content-Type-Options nosniff, Referrer-Policy no-referrer (step
//     URLs carry HMACs and must not leak), X-Frame-Options DENY for old
//     browsers, Cross-Origin-Opener-Policy same-origin.
//   - Strict-Transport-Security for one year, only when tls is true.
func SecurityHeaders(next http.Handler, tls bool) http.Handler {
	formAction := "'self' https:"
	if !tls {
		formAction += " http:"
	}
	csp := "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// AllowFrames lets the page about to be written load frames from
// origins, and only from them: the policy SecurityHeaders set gains a
// frame-src listing them (the front-channel logout iframes). Origins are
// scheme://host[:port], from configured client URIs.
func AllowFrames(w http.ResponseWriter, origins []string) {
	h := w.Header()
	h.Set("Content-Security-Policy", h.Get("Content-Security-Policy")+"; frame-src "+strings.Join(origins, " "))
}

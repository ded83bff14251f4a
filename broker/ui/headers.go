package ui

import (
	"net/http"
	"strings"
)

// SecurityHeaders sets the security headers on every response before
// calling next:
//
//   - Content-Security-Policy: nothing by default; styles, images, fonts,
//     scripts and page.js's requests (connect-src: more time) from this
//     origin only (images also as data: URLs); no
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
//
// The values are built once and every response shares them (a handler
// that changes one, as AllowFrames does, sets a new value instead), so
// they cost no allocation per response.
func SecurityHeaders(next http.Handler, tls bool) http.Handler {
	formAction := "'self' https:"
	if !tls {
		formAction += " http:"
	}
	csp := "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; script-src 'self'; connect-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
	set := http.Header{}
	set.Set("Content-Security-Policy", csp)
	set.Set("X-Content-Type-Options", "nosniff")
	set.Set("Referrer-Policy", "no-referrer")
	set.Set("X-Frame-Options", "DENY")
	set.Set("Cross-Origin-Opener-Policy", "same-origin")
	if tls {
		set.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range set {
			h[k] = v[:1:1] // a capacity of one: an Add copies it
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

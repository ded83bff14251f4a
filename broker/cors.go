package broker

import (
	"context"
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/store"
)

// Cross-origin requests (CORS). A relying party that runs in the browser
// (a public client with PKCE) calls the token, revocation and userinfo
// endpoints from its own origin, which it lists in its configuration
// (clients[].allowed_origins). Passerelle answers such a script only
// from an origin its client lists, and never with credentials: these
// endpoints take tokens and client credentials explicitly, never
// cookies, so Access-Control-Allow-Credentials is never sent. The
// public documents (discovery, keys, health) may be read from anywhere.

// corsMaxAge is how long a browser may keep a preflight's answer, in
// seconds.
const corsMaxAge = "600"

// public lets scripts of any origin read an endpoint's answer, without
// credentials.
func public(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next(w, r)
	})
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a CORS preflight: the method and the Authorization
// and Content-Type headers are allowed when some client lists the
// origin; the actual request is then answered to a script only if its
// own client lists it (allowOrigin). Otherwise the answer allows
// nothing, and the browser sends nothing.
func (e protocolEdge) preflight(w http.ResponseWriter, r *http.Request, methods string) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if e.anyClientAllows(r.Context(), origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", methods)
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

// anyClientAllows reports whether a configured or registered client
// lists origin.
func (e protocolEdge) anyClientAllows(ctx context.Context, origin string) bool {
	cs := e.srv.clients()
	for _, c := range cs.static {
		if slices.Contains(c.AllowedOrigins, origin) {
			return true
		}
	}
	_, stored, err := cs.stored.read(ctx)
	if err != nil {
		e.log.ErrorContext(ctx, "list clients for a CORS preflight", "error", err)
		return false
	}
	return slices.ContainsFunc(stored, func(c store.Client) bool { return slices.Contains(c.AllowedOrigins, origin) })
}

// allowOrigin lets a script read the answer to a request of client c
// (whose headers are h) when c lists the request's origin.
func allowOrigin(h http.Header, origin string, c *client) {
	h.Add("Vary", "Origin")
	if origin != "" && slices.Contains(c.AllowedOrigins, origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "DPoP-Nonce, WWW-Authenticate")
	}
}

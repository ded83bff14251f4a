package broker

import (
	"encoding/json"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// parPath is the pushed authorization request endpoint (RFC 9126 §2).
const parPath = "/oauth/par"

// par serves RFC 9126: an authenticated client (a public one names
// itself with client_id) posts the parameters of an authorization
// request; they are checked as /authorize checks them and stored for
// parTTL, and the answer (201) is the request_uri the browser brings to
// /authorize. Errors are JSON, as at the token endpoint (§2.3). Each
// push counts against its source's rate limit, as /authorize does.
func (e protocolEdge) par(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx := e.ctx(r)
	c, err := e.client(ctx, w, r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	if r.Form.Get("request_uri") != "" {
		e.fail(w, r, oidc.ErrInvalidRequest().WithDescription("request_uri may not be pushed (RFC 9126 §2.1)"))
		return
	}
	if err := e.requestObject(ctx, r, c); err != nil {
		e.fail(w, r, err)
		return
	}
	if err := invalidParams(r); err != nil {
		e.fail(w, r, err)
		return
	}
	req := new(oidc.AuthRequest)
	if err := e.decoder.Decode(req, r.Form); err != nil {
		e.fail(w, r, oidc.ErrInvalidRequest().WithDescription("the request's parameters cannot be read"))
		return
	}
	if req.ClientID != c.ID {
		e.fail(w, r, oidc.ErrInvalidRequest().WithDescription("client_id must name the authenticated client"))
		return
	}
	cr, err := e.srv.VerifyAuthRequest(ctx, request(r, req))
	if err != nil {
		e.fail(w, r, err)
		return
	}
	uri, err := e.srv.Push(ctx, cr)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"request_uri": uri, "expires_in": int(parTTL.Seconds())})
}

// authorizePushed serves /authorize with the request_uri of a pushed
// request: only the client_id beside it counts (RFC 9126 §4); a
// request_uri that names nothing usable is a page, since no redirect URI
// can be trusted without the request.
func (e protocolEdge) authorizePushed(w http.ResponseWriter, r *http.Request, uri string) {
	browser := e.browserID(w, r)
	ar, err := e.srv.AuthorizePushed(e.ctx(r), uri, r.Form.Get("client_id"), browser)
	switch {
	case err == nil:
		e.begin(w, r, ar.AuthRequest, browser)
	case isStoreDown(err):
		e.log.ErrorContext(r.Context(), "store unavailable at /authorize", "error", err)
		e.page(w, r, http.StatusServiceUnavailable, nil, errGeneric)
	default:
		e.untrusted(w, r, err)
	}
}

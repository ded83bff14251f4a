package broker

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// authorize serves /authorize (GET and POST, OIDC Core §3.1.2.1).
// A pushed request's request_uri goes to authorizePushed; a request
// object (by value or by reference) replaces the parameters
// (requestobject.go). Before the library sees the request it refuses
// repeated parameters, oversized and malformed ones, and binds the
// request to the browser with a cookie. An error the client may see goes
// to its redirect URI; one it may not (unknown client, unregistered
// redirect URI) is a page. A stored request is answered with the
// sign-in's first step (Broker.begin).
func (e protocolEdge) authorize(w http.ResponseWriter, r *http.Request) {
	if !e.frontForm(w, r) {
		return
	}
	if k := duplicated(r); k != "" {
		e.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %s is repeated", k))
		return
	}
	if uri := r.Form.Get("request_uri"); strings.HasPrefix(uri, parURNPrefix) {
		e.authorizePushed(w, r, uri)
		return
	}
	if c, err := e.srv.clients().get(r.Context(), r.Form.Get("client_id")); err == nil {
		if err := e.requestObject(e.ctx(r), r, c); err != nil {
			e.authorizeError(w, r, oidc.DefaultToServerError(err, "the request object could not be read"))
			return
		}
	}
	if err := invalidParams(r); err != nil {
		e.authorizeError(w, r, err)
		return
	}
	req := new(oidc.AuthRequest)
	if err := e.decoder.Decode(req, r.Form); err != nil {
		e.log.WarnContext(r.Context(), "authorization request unreadable", "error", err)
		e.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("the request's parameters cannot be read"))
		return
	}
	if req.ClientID == "" || req.RedirectURI == "" {
		e.untrusted(w, r, oidc.ErrInvalidRequest().WithDescription("client_id and redirect_uri are required"))
		return
	}
	browser := e.browserID(w, r)
	ctx := e.ctx(r)
	in := request(r, req)
	in.Header = r.Header.Clone()
	in.Header.Set(bindingHeader, browser)
	cr, err := e.srv.VerifyAuthRequest(ctx, in)
	if err != nil {
		e.untrusted(w, r, err)
		return
	}
	ar, err := e.srv.authorize(ctx, cr)
	if err != nil {
		oe := oidc.DefaultToServerError(err, "the server could not process the request")
		if oe.IsRedirectDisabled() {
			e.untrusted(w, r, err)
			return
		}
		if oe.ErrorType == oidc.ServerError {
			e.log.ErrorContext(r.Context(), "authorization request failed", "error", err)
			oe = oidc.ErrServerError().WithDescription("the server could not process the request")
		}
		params := url.Values{"error": {string(oe.ErrorType)}, "error_description": {oe.Description}}
		if req.ResponseMode == "" && fragmentDefault(req.ResponseType) {
			// The default mode of an implicit or hybrid response type is
			// the fragment (OAuth 2.0 Multiple Response Types §5), where
			// such a client reads its error.
			e.fragmentError(w, r, req, params)
			return
		}
		f := &flow{ar: store.AuthRequest{RedirectURI: req.RedirectURI, State: req.State, ResponseMode: string(req.ResponseMode)},
			lang: e.pageLang(r, nil)}
		e.answer.send(w, r, f, params)
		return
	}
	e.begin(w, r, ar.AuthRequest, browser)
}

// fragmentDefault reports whether the response type's default response
// mode is the fragment: one that returns a token from the authorization
// endpoint (OAuth 2.0 Multiple Response Types §5).
func fragmentDefault(rt oidc.ResponseType) bool {
	vs := strings.Fields(string(rt))
	return slices.Contains(vs, "token") || slices.Contains(vs, "id_token")
}

// fragmentError sends an error to the registered redirect URI in its
// fragment, with state and iss (RFC 9207).
func (e protocolEdge) fragmentError(w http.ResponseWriter, r *http.Request, req *oidc.AuthRequest, params url.Values) {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		e.untrusted(w, r, err)
		return
	}
	if req.State != "" {
		params.Set("state", req.State)
	}
	params.Set("iss", e.issuer)
	u.Fragment = params.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// untrusted refuses an authorization request whose redirect URI cannot
// be trusted: the person gets a page, the operator a log line.
func (e protocolEdge) untrusted(w http.ResponseWriter, r *http.Request, err error) {
	e.log.WarnContext(r.Context(), "authorization request refused", "client_id", r.Form.Get("client_id"), "error", err)
	e.page(w, r, http.StatusBadRequest, nil, errUntrustedRedirect)
}

// authorizeError answers an invalid authorization request: an error
// redirect when client_id and redirect_uri are each given once and the URI
// is registered for the client (RFC 6749 §4.1.2.1), an error page
// otherwise.
func (e protocolEdge) authorizeError(w http.ResponseWriter, r *http.Request, oe *oidc.Error) {
	q := r.Form
	if len(q["client_id"]) == 1 && len(q["redirect_uri"]) == 1 {
		if c, err := e.srv.clients().get(r.Context(), q.Get("client_id")); err == nil &&
			slices.Contains(c.Client.RedirectURIs, q.Get("redirect_uri")) {
			ar := store.AuthRequest{RedirectURI: q.Get("redirect_uri")}
			if len(q["state"]) == 1 && len(q.Get("state")) <= maxState {
				// An oversized state is not echoed: the client gets its
				// error without a megabyte in its redirect.
				ar.State = q.Get("state")
			}
			if len(q["response_mode"]) == 1 {
				ar.ResponseMode = q.Get("response_mode")
			}
			f := &flow{ar: ar, lang: e.pageLang(r, nil)}
			e.answer.send(w, r, f, url.Values{"error": {string(oe.ErrorType)}, "error_description": {oe.Description}})
			return
		}
	}
	e.log.WarnContext(r.Context(), "authorization request refused without redirect", "error", oe.ErrorType, "detail", oe.Description)
	e.page(w, r, http.StatusBadRequest, nil, errUntrustedRedirect)
}

// endSession serves RP-initiated logout (OpenID Connect RP-Initiated
// Logout 1.0): the library checks id_token_hint and
// post_logout_redirect_uri, then the browser's session ends, its clients
// are told (logout.go) and the browser goes where the library said; a
// request it refuses gets a page.
func (e protocolEdge) endSession(w http.ResponseWriter, r *http.Request) {
	if !e.frontForm(w, r) {
		return
	}
	if e.askLogout(w, r) {
		return
	}
	req := new(oidc.EndSessionRequest)
	err := e.decoder.Decode(req, r.Form)
	var red *op.Redirect
	if err == nil && isLogoutToken(req.IdTokenHint) {
		err = errors.New("a logout token given as id_token_hint")
	}
	if err == nil {
		red, err = e.srv.EndSession(e.ctx(r), request(r, req))
	}
	if err != nil {
		e.log.WarnContext(r.Context(), "end_session refused", "error", err)
		e.page(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return
	}
	e.logout(w, r, red.URL)
}

// frontForm admits a front-channel request (GET or POST, RFC 6749 §3.1
// and RP-Initiated Logout §2) and parses its parameters; when it returns
// false it has answered with a page.
func (e protocolEdge) frontForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		e.page(w, r, http.StatusMethodNotAllowed, nil, errInvalidRequest)
		return false
	}
	if err := r.ParseForm(); err != nil {
		e.page(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return false
	}
	return true
}

package broker

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// authorize serves /authorize (GET and POST, OIDC Core §3.1.2.1).
// Before the library sees the request it refuses repeated parameters,
// oversized ones and request_uri, and binds the request to the browser
// with a cookie. An error the client may see goes to its redirect URI;
// one it may not (unknown client, unregistered redirect URI) is a page.
func (e protocolEdge) authorize(w http.ResponseWriter, r *http.Request) {
	if !e.frontForm(w, r) {
		return
	}
	if k := duplicated(r); k != "" {
		e.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %s is repeated", k))
		return
	}
	if k, n := oversized(r); k != "" {
		e.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %s is longer than %d bytes", k, n))
		return
	}
	if r.Form.Get("request_uri") != "" {
		e.authorizeError(w, r, &oidc.Error{ErrorType: "request_uri_not_supported", Description: "request_uri is not supported"})
		return
	}
	browser := e.browserID(w, r)
	ctx := e.ctx(r)
	req := new(oidc.AuthRequest)
	if err := e.decoder.Decode(req, r.Form); err != nil || req.ClientID == "" || req.RedirectURI == "" {
		e.untrusted(w, r, oidc.ErrInvalidRequest().WithDescription("client_id and redirect_uri are required").WithParent(err))
		return
	}
	in := request(r, req)
	in.Header = r.Header.Clone()
	in.Header.Set(bindingHeader, browser)
	cr, err := e.srv.VerifyAuthRequest(ctx, in)
	if err != nil {
		e.untrusted(w, r, err)
		return
	}
	red, err := e.srv.Authorize(ctx, cr)
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
		if req.ResponseMode == "" && req.ResponseType != oidc.ResponseTypeCode && req.ResponseType != "" {
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
	http.Redirect(w, r, red.URL, http.StatusFound)
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

// Size limits of authorization request parameters, in bytes. What an
// anonymous visitor sends to /authorize is stored for the auth request's
// lifetime, so each parameter the auth request keeps (or the library
// parses) has a bound; a longer one is refused with invalid_request
// before anything is stored. The limits leave room for any honest value:
// state and nonce are opaque values a client draws (client libraries
// send 16 to 64 characters), a login_hint is an email address (at most
// 254) or a username, a code_challenge is 43 characters (RFC 7636 §4.2).
// Summed, they fit protocolBody, the limit of a POSTed request.
const maxState = 512

var paramLimits = []struct {
	name string
	max  int
}{
	{"state", maxState},
	{"nonce", 512},
	{"client_id", 256},
	{"redirect_uri", 2048},
	{"scope", 1024},
	{"response_type", 64},
	{"response_mode", 64},
	{"code_challenge", 128},
	{"code_challenge_method", 16},
	{"prompt", 64},
	{"max_age", 16},
	{"display", 16},
	{"ui_locales", 128},
	{"claims_locales", 128},
	{"login_hint", 256},
	{"acr_values", 512},
	{"id_token_hint", 4096},
	{"idp_hint", 128},
	{"claims", 2048},
}

// oversized returns the first parameter longer than its limit, and the
// limit.
func oversized(r *http.Request) (string, int) {
	for _, p := range paramLimits {
		if len(r.Form.Get(p.name)) > p.max {
			return p.name, p.max
		}
	}
	return "", 0
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

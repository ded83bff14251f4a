package broker

import (
	"context"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// authorizer is the library's Authorizer with Passerelle's own request
// validation (op.AuthorizeValidator).
type authorizer struct {
	*op.Provider
	b *Broker
}

// ValidateAuthRequest runs the library's checks (exact redirect URI match,
// response type, scopes, prompt, id_token_hint) and then Passerelle's:
// the openid scope is required, PKCE plain is refused (S256 only), public
// clients must use PKCE, and response_mode is query or form_post.
func (a authorizer) ValidateAuthRequest(ctx context.Context, req *oidc.AuthRequest, s op.Storage, v *op.IDTokenHintVerifier) (string, error) {
	c, err := a.b.catalog().clients.get(ctx, req.ClientID)
	if err != nil {
		return "", oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client").WithParent(err)
	}
	if err := op.ValidateAuthReqRedirectURI(c, req.RedirectURI, req.ResponseType); err != nil {
		return "", err
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		// Authorization code flow only (no implicit or hybrid).
		return "", &oidc.Error{ErrorType: "unsupported_response_type", Description: "only response_type=code is supported"}
	}
	switch req.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFormPost:
	default:
		return "", oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		// RFC 7636 §4.3: an absent method means plain, which Passerelle refuses.
		return "", oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if c.Public && req.CodeChallenge == "" {
		return "", oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	if !slices.Contains(req.Scopes, oidc.ScopeOpenID) {
		return "", oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	sub, err := op.ValidateAuthRequestClient(ctx, req, c, v)
	if err != nil {
		if _, ok := err.(*oidc.Error); !ok {
			// An id_token_hint that does not verify.
			return "", oidc.ErrInvalidRequest().WithDescription("id_token_hint is not valid").WithParent(err)
		}
		return "", err
	}
	return sub, nil
}

// authorizeHandler serves /authorize (GET and POST, OIDC Core §3.1.2.1).
// Before the library sees the request it refuses repeated parameters and
// request_uri, and binds the request to the browser with a cookie.
func (b *Broker) authorizeHandler() http.Handler {
	az := authorizer{Provider: b.op, b: b}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			b.errorPage(w, r, http.StatusMethodNotAllowed, nil, errInvalidRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			b.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
			return
		}
		if k := duplicated(r); k != "" {
			b.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %s is repeated", k))
			return
		}
		if k, n := oversized(r); k != "" {
			b.authorizeError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %s is longer than %d bytes", k, n))
			return
		}
		if r.Form.Get("request_uri") != "" {
			b.authorizeError(w, r, &oidc.Error{ErrorType: "request_uri_not_supported", Description: "request_uri is not supported"})
			return
		}
		browser := b.browserID(w, r)
		ctx := context.WithValue(r.Context(), ctxBrowser, browser)
		ctx = context.WithValue(ctx, ctxHint, r.Form.Get("idp_hint"))
		ctx = op.ContextWithIssuer(ctx, b.issuer)
		rec := newRecorder()
		op.Authorize(rec, r.WithContext(ctx), az)
		if rec.status >= 400 {
			// The library refuses to redirect (unknown client or redirect
			// URI): the person gets a page, the operator a log line.
			b.log.WarnContext(r.Context(), "authorization request refused", "client_id", r.Form.Get("client_id"), "detail", rec.body.String())
			b.errorPage(w, r, http.StatusBadRequest, nil, errUntrustedRedirect)
			return
		}
		rec.flush(w)
	})
}

// authorizeError answers an invalid authorization request: an error
// redirect when client_id and redirect_uri are each given once and the URI
// is registered for the client (RFC 6749 §4.1.2.1), an error page
// otherwise.
func (b *Broker) authorizeError(w http.ResponseWriter, r *http.Request, e *oidc.Error) {
	q := r.Form
	if len(q["client_id"]) == 1 && len(q["redirect_uri"]) == 1 {
		if c, err := b.catalog().clients.get(r.Context(), q.Get("client_id")); err == nil &&
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
			f := &flow{ar: ar, lang: b.pageLang(r, nil)}
			b.sendError(w, r, f, string(e.ErrorType), e.Description)
			return
		}
	}
	b.log.WarnContext(r.Context(), "authorization request refused without redirect", "error", e.ErrorType, "detail", e.Description)
	b.errorPage(w, r, http.StatusBadRequest, nil, errUntrustedRedirect)
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

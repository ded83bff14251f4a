package broker

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// checkedRequest is an authorization request that passed every check,
// ready to be stored.
type checkedRequest struct {
	req    *oidc.AuthRequest
	claims store.ClaimsRequest
	sub    string // the subject an id_token_hint (or the claims parameter) names
	hint   string // idp_hint
}

// check checks the rest of a verified authorization request: the
// library's checks (response type, scopes, prompt, id_token_hint) and
// Passerelle's (code flow only, the openid scope is required, PKCE plain
// is refused, public clients must use PKCE, response_mode is query or
// form_post, the claims parameter).
func (s *opServer) check(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*checkedRequest, error) {
	req, c := r.Data, r.Client.(*client)
	if req.ResponseType != oidc.ResponseTypeCode {
		// Authorization code flow only (no implicit or hybrid).
		return nil, &oidc.Error{ErrorType: "unsupported_response_type", Description: "only response_type=code is supported"}
	}
	switch req.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFormPost:
	default:
		return nil, oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		// RFC 7636 §4.3: an absent method means plain, which Passerelle refuses.
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if c.Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	if !slices.Contains(req.Scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	var asked askedClaims
	if raw := r.Form.Get("claims"); raw != "" {
		var err error
		if asked, err = parseClaims(raw); err != nil {
			return nil, oidc.ErrInvalidRequest().WithDescription("claims is not a valid claims request: %v", err)
		}
		if len(req.ACRValues) == 0 {
			req.ACRValues = asked.acr // OIDC Core §5.5.1.1
		}
	}
	if isLogoutToken(req.IDTokenHint) {
		return nil, oidc.ErrInvalidRequest().WithDescription("id_token_hint is not valid")
	}
	sub, err := op.ValidateAuthRequestClient(ctx, req, c, s.provider.IDTokenHintVerifier(ctx))
	if err != nil {
		if _, ok := err.(*oidc.Error); !ok {
			// An id_token_hint that does not verify.
			return nil, oidc.ErrInvalidRequest().WithDescription("id_token_hint is not valid").WithParent(err)
		}
		return nil, err
	}
	if sub == "" {
		sub = asked.sub
	}
	return &checkedRequest{req: req, claims: asked.ClaimsRequest, sub: sub, hint: r.Form.Get("idp_hint")}, nil
}

// Authorize checks a verified authorization request sent to /authorize
// and stores it, bound to the browser whose binding cookie the request
// carries (protocolEdge sets it). A client that must push its requests
// (RFC 9126 §6) is refused here. The answer sends the browser to the
// sign-in. protocolEdge calls authorize, which returns the stored
// request itself for the sign-in to start from (Broker.begin).
func (s *opServer) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	ar, err := s.authorize(ctx, r)
	if err != nil {
		return nil, err
	}
	return op.NewRedirect(r.Client.(*client).LoginURL(ar.ID)), nil
}

// authorize is Authorize answering with the auth request it stored.
func (s *opServer) authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*authRequest, error) {
	if r.Client.(*client).RequirePAR {
		return nil, oidc.ErrInvalidRequest().WithDescription("this client must push its authorization requests (RFC 9126)")
	}
	checked, err := s.check(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.storage.newAuthRequest(ctx, checked, bindingOf(r.Header), 0)
}

// Pushed authorization requests (RFC 9126). A pushed request is checked
// as /authorize checks one and stored as an auth request marked Pushed,
// bound to no browser, for parTTL. Its request_uri names it; the first
// browser that brings it to /authorize with its client_id claims it: the
// pushed record is deleted (so it is used once, §7.3) and a new auth
// request, with a new ID, is made from it for that browser.
const (
	parURNPrefix = "urn:ietf:params:oauth:request_uri:"
	parTTL       = 60 * time.Second
)

// Push checks and stores a pushed authorization request of an
// authenticated client and returns its request_uri.
func (s *opServer) Push(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (string, error) {
	checked, err := s.check(ctx, r)
	if err != nil {
		return "", err
	}
	ar, err := s.storage.newAuthRequest(ctx, checked, "", parTTL)
	if err != nil {
		return "", err
	}
	return parURNPrefix + ar.ID, nil
}

// errRequestURI is the answer for a request_uri that names no usable
// pushed request: unknown, expired, used, or another client's.
var errRequestURI = &oidc.Error{ErrorType: "invalid_request_uri", Description: "the request_uri is unknown, expired or already used"}

// AuthorizePushed claims the pushed request uri for clientID and the
// browser, and returns the auth request the sign-in starts from.
func (s *opServer) AuthorizePushed(ctx context.Context, uri, clientID, browser string) (*authRequest, error) {
	id := uri[len(parURNPrefix):]
	pushed, err := s.st.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!pushed.Pushed || pushed.ClientID != clientID)) {
		return nil, errRequestURI
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if _, err := s.clients().get(ctx, clientID); err != nil {
		return nil, errRequestURI
	}
	return s.storage.claimPushed(ctx, pushed, browser)
}

package broker

import (
	"context"
	"errors"
	jose "github.com/go-jose/go-jose/v4"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// opServer is Passerelle's op.Server (zitadel/oidc v3): the protocol
// behind every endpoint of the OpenID provider, called by protocolEdge,
// which owns the HTTP side (parsing, guards, answers and error pages).
// The library's LegacyServer, over opStorage, answers what it answers as
// Passerelle wants: keys, health, readiness, revocation and the checks of
// RP-initiated logout. The methods below replace the rest:
//
//   - VerifyAuthRequest and Authorize: Passerelle's own authorization
//     request rules (code flow only, PKCE S256, openid scope, query or
//     form_post) and an auth request bound to the browser;
//   - VerifyClient: every client authentication method, before any grant
//     is looked at, with private_key_jwt assertions used once;
//   - CodeExchange and RefreshToken: ID tokens signed with the client's
//     registered algorithm, their claims encoded once (idtoken.go), PKCE
//     checked whenever a challenge was sent;
//   - Introspect and UserInfo: a store failure is an error, never an
//     inactive token;
//   - Discovery: the metadata of what Passerelle supports.
type opServer struct {
	*op.LegacyServer
	provider *op.Provider
	storage  *opStorage
	st       store.Store
	clients  func() *clients
	acrs     []string // the assurance ladder, lowest first
	log      *slog.Logger
	dpop     *dpop // DPoP proofs (dpop.go)
}

var _ op.Server = (*opServer)(nil)

// newOPServer wraps provider, whose storage is storage.
func newOPServer(provider *op.Provider, storage *opStorage, st store.Store, clients func() *clients, acrs []string, log *slog.Logger) *opServer {
	return &opServer{
		LegacyServer: op.NewLegacyServer(provider, provider.Endpoints()),
		provider:     provider, storage: storage, st: st, clients: clients, acrs: acrs, log: log,
	}
}

// VerifyAuthRequest finds the client and checks the redirect URI is one
// it registered (exact match, OIDC Core §3.1.2.1); which URIs a client
// may register is the configuration's rule (https, http on loopback).
// Its errors are never sent to the redirect URI. Everything else is
// checked after it, so a bad response_type or max_age from a known
// client reaches the client as an error redirect.
func (s *opServer) VerifyAuthRequest(ctx context.Context, r *op.Request[oidc.AuthRequest]) (*op.ClientRequest[oidc.AuthRequest], error) {
	c, err := s.clients().get(ctx, r.Data.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client").WithParent(err)
	}
	if !slices.Contains(c.RedirectURIs(), r.Data.RedirectURI) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("redirect_uri is not registered for the client")
	}
	return &op.ClientRequest[oidc.AuthRequest]{Request: r, Client: c}, nil
}

// bindingHeader carries the browser binding from protocolEdge to
// Authorize in the request's headers (the cookie the browser has, or has
// just been given).
const bindingHeader = "X-Passerelle-Browser"

func bindingOf(h http.Header) string { return h.Get(bindingHeader) }

// VerifyClient authenticates the client of a back-channel request before
// the grant is looked at, so an unknown client or a wrong secret is
// invalid_client (401) and never spends the code it presents (RFC 6749
// §3.2.1, §5.2). A client authenticates with the method it registered.
func (s *opServer) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	cc := r.Data
	if cc.ClientAssertion != "" {
		return s.verifyAssertion(ctx, cc)
	}
	if cc.ClientID == "" {
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication is required")
	}
	c, err := s.clients().get(ctx, cc.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed").WithParent(err)
	}
	switch c.Client.AuthMethod {
	case store.AuthSecretBasic, store.AuthSecretPost:
		if !c.checkSecret(cc.ClientSecret) {
			return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
		}
	case store.AuthNone:
		if cc.ClientSecret != "" {
			return nil, oidc.ErrInvalidClient().WithDescription("a public client has no secret")
		}
	default: // private_key_jwt without an assertion
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	return c, nil
}

// verifyAssertion checks a private_key_jwt client assertion (RFC 7523 §3,
// OIDC Core §9): signature by a key of the client, audience, expiry, a
// jti used once; and that the client is registered for this method.
func (s *opServer) verifyAssertion(ctx context.Context, cc *op.ClientCredentials) (op.Client, error) {
	if cc.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion {
		return nil, oidc.ErrInvalidClient().WithDescription("unsupported client_assertion_type")
	}
	req, err := op.VerifyJWTAssertion(ctx, cc.ClientAssertion, s.provider.JWTProfileVerifier(ctx))
	if err != nil {
		s.log.WarnContext(ctx, "client assertion refused", "error", err)
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	c, err := s.clients().get(ctx, req.Issuer)
	if err != nil || c.Client.AuthMethod != store.AuthPrivateKey {
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	if cc.ClientID != "" && cc.ClientID != req.Issuer {
		return nil, oidc.ErrInvalidRequest().WithDescription("client_id differs from the assertion's issuer")
	}
	// OIDC Core §9: the jti is used once. The window covers the
	// assertion's whole life (the library refuses an expired one).
	if req.JWTID == "" {
		return nil, oidc.ErrInvalidClient().WithDescription("the client assertion has no jti")
	}
	window := time.Until(req.ExpiresAt.AsTime()) + time.Minute
	if n, err := s.st.Hit(ctx, "client-assertion:"+req.Issuer+":"+req.JWTID, max(window, time.Minute)); err != nil || n > 1 {
		if err != nil {
			s.log.ErrorContext(ctx, "record client assertion", "error", err)
		}
		return nil, oidc.ErrInvalidClient().WithDescription("the client assertion was already used")
	}
	return c, nil
}

// tokenCreator is the library's TokenCreator over a storage that signs
// with one client's ID token algorithm (tokenResponse).
type tokenCreator struct {
	storage op.Storage
	crypto  op.Crypto
}

func (t tokenCreator) Storage() op.Storage { return t.storage }
func (t tokenCreator) Crypto() op.Crypto   { return t.crypto }

// CodeExchange redeems an authorization code (RFC 6749 §4.1.3). The PKCE
// verifier is checked whenever the request sent a challenge, and a
// public client must have sent one (RFC 7636 §4.6).
func (s *opServer) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	c := r.Client.(*client)
	authReq, err := op.AuthRequestByCode(ctx, s.storage, r.Data.Code)
	if err != nil {
		return nil, err
	}
	if authReq.GetCodeChallenge() != nil && r.Data.CodeVerifier == "" {
		// RFC 7636 §4.6: the code does not verify without it.
		return nil, oidc.ErrInvalidGrant().WithDescription("code_verifier is required: the authorization request sent a code_challenge")
	}
	if err := op.AuthorizeCodeChallenge(r.Data.CodeVerifier, authReq.GetCodeChallenge()); err != nil {
		return nil, err
	}
	if c.Public && authReq.GetCodeChallenge() == nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE required")
	}
	if c.GetID() != authReq.GetClientID() {
		return nil, oidc.ErrInvalidGrant()
	}
	if r.Data.RedirectURI != authReq.GetRedirectURI() {
		return nil, oidc.ErrInvalidGrant().WithDescription("redirect_uri does not correspond")
	}
	resp, err := s.tokenResponse(ctx, authReq, c, r.Data.Code, "")
	if err != nil {
		return nil, err
	}
	return op.NewResponse(dpopTyped(ctx, resp)), nil
}

// RefreshToken rotates a refresh token (RFC 6749 §6) in one store update
// (refreshGrant), which checks the client, the scopes asked and the DPoP
// key in it; a rotated-away token revokes its grant.
func (s *opServer) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	c := r.Client.(*client)
	request, err := s.storage.refreshGrant(ctx, r.Data.RefreshToken, func(request *refreshRequest) error {
		if c.GetID() != request.GetClientID() {
			return oidc.ErrInvalidGrant()
		}
		if err := op.ValidateRefreshTokenScopes(r.Data.Scopes, request); err != nil {
			return err
		}
		if request.grant.DPoPJKT != "" && request.grant.DPoPJKT != dpopOf(ctx).jkt {
			// RFC 9449 §5: a public client's refresh token works only with the key it is bound to.
			return &oidc.Error{ErrorType: errInvalidDPoPProof, Description: "the refresh token is bound to another DPoP key"}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	resp, err := s.tokenResponse(ctx, request, c, "", r.Data.RefreshToken)
	if err != nil {
		return nil, err
	}
	return op.NewResponse(dpopTyped(ctx, resp)), nil
}

// tokenOf opens an access token Passerelle issued: its token ID and
// subject, or ok false. The library also opens values sealed its old,
// unauthenticated way (AES-CFB), under which any string decrypts to
// something: only a well-formed token ID counts (parseTokenRef).
func (s *opServer) tokenOf(token string) (id, subject string, ok bool) {
	plain, err := s.provider.Crypto().Decrypt(token)
	if err != nil {
		return "", "", false
	}
	id, subject, ok = strings.Cut(plain, ":")
	if _, valid := parseTokenRef(id); !ok || !valid || strings.Contains(subject, ":") {
		return "", "", false
	}
	return id, subject, true
}

// errInvalidToken is a UserInfo answer for a token that is not, or no
// longer, valid (RFC 6750 §3.1).
var errInvalidToken = errors.New("invalid_token")

// UserInfo answers the claims of a valid access token (OIDC Core §5.3),
// readable by a script only from an origin the token's client lists.
func (s *opServer) UserInfo(ctx context.Context, r *op.Request[oidc.UserInfoRequest]) (*op.Response, error) {
	id, subject, ok := s.tokenOf(r.Data.AccessToken)
	if !ok {
		return nil, errInvalidToken
	}
	if err := s.dpop.resourceProof(ctx, r, id); err != nil {
		return nil, err
	}
	info := new(oidc.UserInfo)
	g, err := s.storage.userinfo(ctx, info, id, subject)
	if err != nil {
		if isStoreDown(err) {
			return nil, err
		}
		return nil, errors.Join(errInvalidToken, err)
	}
	resp := op.NewResponse(info)
	if c, err := s.clients().get(ctx, g.ClientID); err == nil {
		allowOrigin(resp.Header, r.Header.Get("Origin"), c)
	}
	return resp, nil
}

// discovery is the provider's metadata: the library's, and what it has
// no field for.
type discovery struct {
	*oidc.DiscoveryConfiguration
	// RFC 9207 §3: every authorization response carries iss.
	ISSParameter bool `json:"authorization_response_iss_parameter_supported"`
	// OIDC Prompt Create §4.1's list of prompt values; consent is
	// accepted and never asks (package doc).
	PromptValues []string `json:"prompt_values_supported"`
	// RFC 9126 §5: pushed authorization requests; whether every client
	// must push is each client's setting.
	PAREndpoint string `json:"pushed_authorization_request_endpoint"`
	RequirePAR  bool   `json:"require_pushed_authorization_requests"`
	// RFC 9449 §5.1: the algorithms of DPoP proofs.
	DPoPAlgs []jose.SignatureAlgorithm `json:"dpop_signing_alg_values_supported"`
	// Front-Channel Logout 1.0 §3 (logout.go): iframes with iss and sid.
	FrontchannelLogout        bool `json:"frontchannel_logout_supported"`
	FrontchannelLogoutSession bool `json:"frontchannel_logout_session_supported"`
}

// Discovery is the provider's metadata (OIDC Discovery §3) trimmed to
// what Passerelle supports.
func (s *opServer) Discovery(ctx context.Context, _ *op.Request[struct{}]) (*op.Response, error) {
	d := op.CreateDiscoveryConfig(ctx, s.provider, s.storage)
	d.SubjectTypesSupported = []string{"pairwise", "public"}
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{"query", "form_post"}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.DeviceAuthorizationEndpoint = ""
	d.CheckSessionIframe = ""
	d.BackChannelLogoutSupported = true // logout.go, backchannel.go
	d.BackChannelLogoutSessionSupported = true
	d.ACRValuesSupported = s.acrs
	d.ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
		"locale", "name", "given_name", "family_name", "email", "email_verified"}
	d.ScopesSupported = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess}
	d.RequestParameterSupported = true
	d.RequestURIParameterSupported = true
	d.RequireRequestURIRegistration = true
	d.RequestObjectSigningAlgValuesSupported = []string{"RS256", "ES256", "PS256"}
	d.ClaimsParameterSupported = true
	d.UILocalesSupported = uiLocales
	d.ClaimsLocalesSupported = uiLocales
	return op.NewResponse(discovery{DiscoveryConfiguration: d, ISSParameter: true, PromptValues: promptValues,
		PAREndpoint: op.IssuerFromContext(ctx) + parPath, FrontchannelLogout: true, FrontchannelLogoutSession: true,
		DPoPAlgs: dpopAlgs}), nil
}

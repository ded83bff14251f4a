package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// opStorage is the op.Storage adapter: zitadel/oidc drives the protocol,
// this type answers it from the store. Tokens work like this:
//
//   - an authorization code is its auth request's ID, a dot and a random
//     secret; the auth request keeps the code's hash, written in the same
//     update that completes it. Redeeming it creates the grant, whose ID
//     is the auth request's, with the SSO session the sign-in opened
//     (redeem.go): creation is the single-use point, so exactly one
//     redemption wins, and a second presentation revokes the grant the
//     first one produced (RFC 6749 §4.1.2) without any write of its own.
//   - an access token is "tokenID:subject" sealed with AES-256-GCM
//     (accessTokenCrypto); tokenID is "grantID.expiry[.jkt]" (tokenid.go),
//     so introspection and userinfo read the grant (revocation is
//     immediate) in a read transaction and write nothing. Tokens the
//     library sealed before (a JWE, or its unauthenticated AES-CFB) still
//     open; a CFB string may open as garbage, which names no grant or not
//     the grant's subject, and is inactive.
//   - a refresh token is its grant's ID, a dot and a random secret; the
//     grant keeps the hash of the current one, and a refresh grant is one
//     store update of the grant it names (refresh.go). Presenting a
//     rotated-away token revokes the grant, and with it every access and
//     refresh token of the family.
type opStorage struct {
	st         store.Store
	catalog    func() *catalog // the clients and upstreams of the current configuration
	keys       *Keys
	clientKeys *clientKeys
	tokens     TokensConfig
	issuer     string
	now        func() time.Time
	log        *slog.Logger
	// stepClaims adds the claims of the client's steps (the legacy ID).
	stepClaims func(ctx context.Context, ui *oidc.UserInfo, c *client, accountID string) error
	// orgs gives each client's organizations (the org and roles claims).
	orgs *orgs.Service
	// alg signs ID tokens: the client's id_token_signed_response_alg
	// (signingAs); "" is ES256, the algorithm of every other signature.
	alg string
}

// signingAs is s signing ID tokens with alg, the algorithm the client
// registered (OIDC Registration §2, id_token_signed_response_alg).
func (s *opStorage) signingAs(alg string) *opStorage {
	c := *s
	c.alg = alg
	return &c
}

var (
	_ op.Storage                        = (*opStorage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*opStorage)(nil)
	_ op.CanTerminateSessionFromRequest = (*opStorage)(nil)
)

// storeDown marks a failure of the store itself (not a contract answer
// such as ErrNotFound) on its way up through the library, so the protocol
// edge answers 503 temporarily_unavailable instead of the library's
// invalid_grant or inactive token: a relying party must not throw its
// tokens away because the database was down.
type storeDown struct{ err error }

func (e *storeDown) Error() string { return "store unavailable: " + e.err.Error() }
func (e *storeDown) Unwrap() error { return e.err }

// isStoreDown reports whether err is, or wraps, a storeDown.
func isStoreDown(err error) bool {
	var down *storeDown
	return errors.As(err, &down)
}

// unavailable marks err as a store failure, unless it is nil or one of
// the store contract's answers.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) || errors.Is(err, store.ErrConflict) {
		return err
	}
	return &storeDown{err}
}

// CreateAuthRequest is part of op.Storage but never called: opServer's
// Authorize, which replaces the library's, creates auth requests with
// the browser binding (newAuthRequest).
func (s *opStorage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errors.New("broker: auth requests are created by opServer.Authorize")
}

func (s *opStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	ar, err := s.st.GetAuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return &authRequest{ar}, nil
}

// AuthRequestByCode finds the auth request a code names and checks that
// it holds the code's hash; it writes nothing, so a wrong code, client,
// redirect URI or PKCE verifier (checked by the library afterwards) spends
// nothing. The code is spent when its grant is created: the grant's ID is
// the request's, so a second redemption fails there and revokes what the
// first produced (RFC 6749 §4.1.2), whichever of two racing redemptions
// wins.
func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	ar, err := s.st.GetAuthRequest(ctx, codeRequestID(code))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.ErrInvalidGrant().WithDescription("the code is invalid or expired")
	case err != nil:
		return nil, oidc.ErrServerError().WithParent(unavailable(err))
	case !ar.Done || subtle.ConstantTimeCompare(ar.CodeHash, store.HashToken(code)) != 1:
		return nil, oidc.ErrInvalidGrant().WithDescription("the code is invalid or expired")
	}
	return &authRequest{ar}, nil
}

// SaveAuthCode is part of op.Storage but never called: the library's own
// authorize callback, its only caller, is not mounted; complete issues
// codes.
func (s *opStorage) SaveAuthCode(context.Context, string, string) error {
	return errors.New("broker: codes are issued when the sign-in completes")
}

// DeleteAuthRequest is called by the library after a code exchange. The
// request stays until it expires (a code's lifetime), so that a second
// presentation of its code reaches the grant and revokes it; Sweep
// removes it.
func (s *opStorage) DeleteAuthRequest(context.Context, string) error {
	return nil
}

func (s *opStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, _, err := s.grantFor(ctx, req, false)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := s.now().Add(s.tokens.AccessToken)
	return accessTokenRef{grant: g.ID, exp: exp, jkt: dpopOf(ctx).jkt}.String(), exp, nil
}

func (s *opStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	g, refresh, err := s.grantFor(ctx, req, true)
	if err != nil {
		return "", "", time.Time{}, err
	}
	exp := s.now().Add(s.tokens.AccessToken)
	return accessTokenRef{grant: g.ID, exp: exp, jkt: dpopOf(ctx).jkt}.String(), refresh, exp, nil
}

// grantFor creates the grant for a redeemed code, with a refresh token
// when withRefresh, or gives the grant a refresh grant rotated
// (refreshGrant) and its new refresh token.
func (s *opStorage) grantFor(ctx context.Context, req op.TokenRequest, withRefresh bool) (store.Grant, string, error) {
	switch r := req.(type) {
	case *authRequest:
		var refresh string
		var hash []byte
		if withRefresh {
			refresh = newRefreshToken(r.ID)
			hash = store.HashToken(refresh)
		}
		now := s.now()
		g := store.Grant{
			ID: r.ID, ClientID: r.ClientID, AccountID: r.AccountID, Subject: r.Subject, Scopes: r.Scopes,
			AuthTime: r.AuthTime, AMR: r.AMR, ACR: r.ACR, SessionID: r.SessionID, Provider: r.Provider,
			Locale: r.Locale, Claims: r.Claims, Org: orgOf(&r.AuthRequest), RefreshHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.tokens.RefreshToken),
		}
		if b := dpopOf(ctx); b.refresh {
			g.DPoPJKT = b.jkt
		}
		if err := s.createGrant(ctx, g, r.PendingSession, r.ReplacedSession); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				s.revokeGrant(ctx, r.ID)
				s.log.WarnContext(ctx, "authorization code reused; grant revoked", "grant", r.ID)
				return g, "", oidc.ErrInvalidGrant().WithDescription("the code has already been used")
			}
			return g, "", unavailable(err)
		}
		return g, refresh, s.lockWins(ctx, g, r.PendingSession)
	case *refreshRequest:
		if r.next == "" {
			return r.grant, "", errors.New("broker: the refresh grant was not rotated")
		}
		return r.grant, r.next, nil
	default:
		return store.Grant{}, "", fmt.Errorf("unsupported token request %T", req)
	}
}

// activeGrant resolves an access token ID to what it says, its grant and
// the grant's account (read together: one statement on PostgreSQL), if
// the token has not expired, the grant is not revoked and the account
// exists.
func (s *opStorage) activeGrant(ctx context.Context, tokenID string) (store.Grant, store.Account, accessTokenRef, error) {
	ref, ok := parseTokenRef(tokenID)
	if !ok {
		return store.Grant{}, store.Account{}, ref, errors.New("malformed token")
	}
	if !s.now().Before(ref.exp) {
		return store.Grant{}, store.Account{}, ref, errors.New("token expired")
	}
	g, a, err := s.st.GetGrantWithAccount(ctx, ref.grant)
	if g.Revoked {
		return g, a, ref, errGrantRevoked
	}
	return g, a, ref, unavailable(err)
}

func (s *opStorage) revokeGrant(ctx context.Context, id string) {
	err := s.st.UpdateGrant(ctx, id, func(g store.Grant) (store.Grant, error) {
		g.Revoked = true
		return g, nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "revoke grant", "grant", id, "error", err)
	}
}

func (s *opStorage) TerminateSession(ctx context.Context, userID, clientID string) error {
	return nil // sessions end through the cookie, see TerminateSessionFromRequest
}

// TerminateSessionFromRequest ends the SSO session named by the ID token
// hint's sid (the cookie's session is ended by the end_session handler
// itself) and says where to send the browser: the validated
// post_logout_redirect_uri, else the logged-out page.
func (s *opStorage) TerminateSessionFromRequest(ctx context.Context, r *op.EndSessionRequest) (string, error) {
	if r.RedirectURI != "" {
		return r.RedirectURI, nil
	}
	return s.issuer + "/logged-out", nil
}

func (s *opStorage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	gid, _, _ := strings.Cut(tokenOrID, ".")
	if userID == "" {
		return nil // not a token we issued: RFC 7009 §2.2 answers 200 all the same
	}
	g, err := s.st.GetGrant(ctx, gid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if g.ClientID != clientID {
		return oidc.ErrUnauthorizedClient().WithDescription("the token was not issued to this client")
	}
	s.revokeGrant(ctx, gid)
	return nil
}

func (s *opStorage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	g, _, err := s.grantOfRefresh(ctx, token)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.Subject, g.ID, nil
}

func (s *opStorage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.signingKey(ctx)
}

// signingKey is the key that signs ID tokens for the client's algorithm.
func (s *opStorage) signingKey(ctx context.Context) (signingKey, error) {
	alg := s.alg
	if alg == "" {
		alg = "ES256"
	}
	return s.keys.Signer(ctx, alg)
}

func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA}, nil
}

func (s *opStorage) KeySet(ctx context.Context) ([]op.Key, error) {
	return s.keys.Published(ctx)
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	return s.catalog().clients.get(ctx, id)
}

func (s *opStorage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.catalog().clients.get(ctx, id)
	if err != nil {
		return err
	}
	if !c.checkSecret(secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

// Health is the /ready probe: a store that does not answer is marked
// storeDown, so the edge answers 503 at once instead of pinging it again.
func (s *opStorage) Health(ctx context.Context) error { return unavailable(s.st.Ping(ctx)) }

func (s *opStorage) ValidateJWTProfileScopes(ctx context.Context, userID string, scopes []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *opStorage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := s.catalog().clients.get(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return s.clientKeys.key(ctx, c, keyID)
}

package broker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// authRequest adapts a stored auth request to op.AuthRequest.
type authRequest struct {
	store.AuthRequest
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string          { return a.ID }
func (a *authRequest) GetACR() string         { return a.ACR }
func (a *authRequest) GetAMR() []string       { return a.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.AuthTime }
func (a *authRequest) GetClientID() string    { return a.ClientID }
func (a *authRequest) GetNonce() string       { return a.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.Scopes }
func (a *authRequest) GetState() string       { return a.State }
func (a *authRequest) GetSubject() string     { return a.Subject }
func (a *authRequest) Done() bool             { return a.AuthRequest.Done }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.ResponseMode)
}
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}

// LogValue keeps state, nonce and PKCE values out of logs.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID), slog.String("client_id", a.ClientID))
}

// refreshRequest is a refresh-token grant in progress: the grant and the
// presented token's hash (op.RefreshTokenRequest).
type refreshRequest struct {
	grant  store.Grant
	hash   []byte
	scopes []string
	next   string // the new refresh token, once rotated (refreshGrant)
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.grant.AMR }
func (r *refreshRequest) GetAudience() []string       { return []string{r.grant.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.grant.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.grant.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.grant.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// newAuthRequest stores the checked auth request, bound to the browser
// (the hash of its binding cookie) and carrying what its claims
// parameter asked for and the idp_hint parameter. A pushed request
// (browser "", ttl parTTL) is bound to no browser until one claims it.
func (s *opStorage) newAuthRequest(ctx context.Context, checked *checkedRequest, browser string, ttl time.Duration) (*authRequest, error) {
	r, now := checked.req, s.now()
	ar := store.AuthRequest{
		ID: orderedID(now), ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scopes: r.Scopes,
		State: r.State, Nonce: r.Nonce, ResponseType: string(r.ResponseType), ResponseMode: string(r.ResponseMode),
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: string(r.CodeChallengeMethod),
		Prompt: r.Prompt, UILocales: localeStrings(r.UILocales), LoginHint: r.LoginHint,
		ACRValues: r.ACRValues, HintSubject: checked.sub, ProviderHint: checked.hint,
		Claims: checked.claims, CreatedAt: now, ExpiresAt: now.Add(s.tokens.AuthRequest),
	}
	if browser != "" {
		ar.Browser = store.HashToken(browser)
	} else {
		ar.Pushed, ar.ExpiresAt = true, now.Add(ttl)
	}
	if r.MaxAge != nil {
		m := int64(*r.MaxAge)
		ar.MaxAge = &m
	}
	return s.createAuthRequest(ctx, ar)
}

// claimPushed turns the pushed request into an auth request of the
// browser: the pushed record is deleted first, so of two browsers
// bringing the same request_uri only one goes on (RFC 9126 §7.3).
func (s *opStorage) claimPushed(ctx context.Context, pushed store.AuthRequest, browser string) (*authRequest, error) {
	if err := s.st.DeleteAuthRequest(ctx, pushed.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errRequestURI
		}
		return nil, unavailable(err)
	}
	now := s.now()
	ar := pushed
	ar.ID, ar.Pushed, ar.Browser = orderedID(now), false, store.HashToken(browser)
	ar.CreatedAt, ar.ExpiresAt = now, now.Add(s.tokens.AuthRequest)
	return s.createAuthRequest(ctx, ar)
}

func (s *opStorage) createAuthRequest(ctx context.Context, ar store.AuthRequest) (*authRequest, error) {
	if err := s.st.CreateAuthRequest(ctx, ar); err != nil {
		s.log.ErrorContext(ctx, "store auth request", "error", err)
		// RFC 6749 §4.1.2.1: the client may retry later; no internal detail.
		return nil, &oidc.Error{ErrorType: "temporarily_unavailable", Description: "the service is temporarily unavailable"}
	}
	return &authRequest{ar}, nil
}

func localeStrings(l oidc.Locales) []string {
	out := make([]string, 0, len(l))
	for _, t := range l {
		out = append(out, t.String())
	}
	return out
}

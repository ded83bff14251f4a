package broker

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// Claims: the ID token carries sub, acr, amr, auth_time, nonce, sid and
// locale (and idp when the client's configuration reveals the provider,
// and the claims of the client's steps, journey.Claimer: the legacy ID);
// profile and email claims are answered by userinfo according to the
// scopes of the grant (OIDC Core §5.4), never in the ID token of the code
// flow. A value an upstream gave (store.Account's EmailFrom, NameFrom,
// LocaleFrom) is answered only when released: see releases.

func (s *opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil // deprecated by the library; SetUserinfoFromRequest does the work
}

func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	var locale, sid, provider, acr, clientID, accountID string
	switch r := req.(type) {
	case *authRequest:
		locale, sid, provider, clientID, accountID = r.Locale, r.SessionID, r.Provider, r.ClientID, r.AccountID
	case *refreshRequest:
		locale, sid, provider, acr, clientID = r.grant.Locale, r.grant.SessionID, r.grant.Provider, r.grant.ACR, r.grant.ClientID
		accountID = r.grant.AccountID
	default:
		return nil
	}
	// SetUserInfo copies every field, sub included, into the ID token.
	ui.Subject = req.GetSubject()
	if locale != "" {
		ui.Locale = oidc.NewLocale(parseTag(locale))
	}
	if sid != "" {
		ui.AppendClaims("sid", sid)
	}
	if acr != "" {
		// The library sets acr only for auth requests; a refreshed ID token
		// keeps the acr of the original authentication (OIDC Core §12.2).
		ui.AppendClaims("acr", acr)
	}
	c, err := s.catalog().clients.get(ctx, clientID)
	if err != nil {
		return err
	}
	revealTo(ui, c, provider)
	return s.stepClaims(ctx, ui, c, accountID)
}

// revealTo names the provider of the sign-in when c's configuration says
// so.
func revealTo(ui *oidc.UserInfo, c *client, provider string) {
	if provider != "" && c.RevealProvider {
		ui.AppendClaims("idp", provider)
	}
}

// releases reports whether an account's value of claim (a
// providers.Claim* name), given by the upstream from, may reach client c.
// Passerelle's own values (from empty) may. An upstream's may only when
// both that provider's release_claims and the client's upstream_claims
// name the claim (triple-blind: a Sign-In Partner shares nothing by
// default); a provider no longer configured releases nothing. The rule is
// read at every answer, so a configuration change applies to tokens
// already issued. Scopes still apply on top.
func (s *opStorage) releases(c *client, claim, from string) bool {
	if from == "" {
		return true
	}
	up, ok := s.catalog().upstreams[from]
	return ok && slices.Contains(up.ReleaseClaims, claim) && slices.Contains(c.UpstreamClaims, claim)
}

func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	g, _, err := s.activeGrant(ctx, tokenID)
	if err != nil {
		return err
	}
	if g.Subject != subject {
		return errors.New("token subject mismatch")
	}
	return s.fillClaims(ctx, ui, g)
}

func (s *opStorage) fillClaims(ctx context.Context, ui *oidc.UserInfo, g store.Grant) error {
	a, err := s.st.GetAccount(ctx, g.AccountID)
	if err != nil {
		return unavailable(err)
	}
	c, err := s.catalog().clients.get(ctx, g.ClientID)
	if err != nil {
		return err
	}
	ui.Subject = g.Subject
	if slices.Contains(g.Scopes, oidc.ScopeProfile) && s.releases(c, providers.ClaimName, a.NameFrom) {
		ui.GivenName, ui.FamilyName = a.GivenName, a.FamilyName
		ui.Name = strings.TrimSpace(a.GivenName + " " + a.FamilyName)
	}
	if slices.Contains(g.Scopes, oidc.ScopeEmail) && a.Email != "" && s.releases(c, providers.ClaimEmail, a.EmailFrom) {
		ui.Email, ui.EmailVerified = a.Email, oidc.Bool(a.EmailVerified)
	}
	var locale string
	if s.releases(c, providers.ClaimLocale, a.LocaleFrom) {
		locale = a.Locale
	}
	if locale == "" {
		locale = g.Locale // the interface language of the sign-in: Passerelle's own
	}
	if locale != "" {
		ui.Locale = oidc.NewLocale(parseTag(locale))
	}
	revealTo(ui, c, g.Provider)
	return s.stepClaims(ctx, ui, c, g.AccountID)
}

// SetIntrospectionFromToken answers RFC 7662 for any authenticated client
// (resource servers introspect with their own credentials, as in
// Keycloak); an expired, revoked or unknown token is simply inactive.
func (s *opStorage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	g, exp, err := s.activeGrant(ctx, tokenID)
	if err != nil {
		return err
	}
	if g.Subject != subject {
		return errors.New("token subject mismatch")
	}
	ui := new(oidc.UserInfo)
	if err := s.fillClaims(ctx, ui, g); err != nil {
		return err
	}
	resp.SetUserInfo(ui)
	resp.Active = true
	resp.Scope = g.Scopes
	resp.ClientID = g.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(exp)
	resp.IssuedAt = oidc.FromTime(exp.Add(-s.tokens.AccessToken))
	resp.AuthTime = oidc.FromTime(g.AuthTime)
	resp.Audience = []string{g.ClientID}
	resp.AuthenticationMethodsReferences = g.AMR
	resp.Issuer = s.issuer
	return nil
}

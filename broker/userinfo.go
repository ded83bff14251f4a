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
	var locale, sid, provider, acr, clientID, accountID, org string
	var asked []string
	switch r := req.(type) {
	case *authRequest:
		locale, sid, provider, clientID, accountID, asked = r.Locale, r.SessionID, r.Provider, r.ClientID, r.AccountID, r.Claims.IDToken
		org = orgOf(&r.AuthRequest)
	case *refreshRequest:
		g := r.grant
		locale, sid, provider, acr, clientID, accountID, asked = g.Locale, g.SessionID, g.Provider, g.ACR, g.ClientID, g.AccountID, g.Claims.IDToken
		org = g.Org
	default:
		return nil
	}
	// SetUserInfo copies every field, sub included, into the ID token.
	ui.Subject = req.GetSubject()
	c, err := s.catalog().clients.get(ctx, clientID)
	if err != nil {
		return err
	}
	if len(asked) > 0 {
		// The claims parameter asked for these in the ID token (OIDC Core
		// §5.5), released by the same rule as at userinfo.
		a, err := s.st.GetAccount(ctx, accountID)
		if err != nil {
			return unavailable(err)
		}
		s.setHeld(ui, c, a, func(claim string) bool { return slices.Contains(asked, claim) })
	}
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
	if err := s.orgClaims(ctx, ui, clientID, accountID, org, true); err != nil {
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

func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	_, err := s.userinfo(ctx, ui, tokenID, subject)
	return err
}

// userinfo sets the claims an access token gives and returns its grant.
func (s *opStorage) userinfo(ctx context.Context, ui *oidc.UserInfo, tokenID, subject string) (store.Grant, error) {
	g, a, _, err := s.activeGrant(ctx, tokenID)
	if err != nil {
		return g, err
	}
	if g.Subject != subject {
		return g, errors.New("token subject mismatch")
	}
	return g, s.fillClaims(ctx, ui, g, a)
}

// fillClaims answers the claims of grant g, whose account is a: those
// its scopes ask for (OIDC Core §5.4) and those its claims parameter
// named (§5.5).
func (s *opStorage) fillClaims(ctx context.Context, ui *oidc.UserInfo, g store.Grant, a store.Account) error {
	c, err := s.catalog().clients.get(ctx, g.ClientID)
	if err != nil {
		return err
	}
	ui.Subject = g.Subject
	s.setHeld(ui, c, a, func(claim string) bool {
		return slices.Contains(g.Claims.UserInfo, claim) || slices.Contains(g.Scopes, scopeOf[claim]) || claim == "locale"
	})
	if ui.Locale == nil && g.Locale != "" {
		// the interface language of the sign-in: Passerelle's own
		ui.Locale = oidc.NewLocale(parseTag(g.Locale))
	}
	revealTo(ui, c, g.Provider)
	if err := s.orgClaims(ctx, ui, g.ClientID, g.AccountID, g.Org, false); err != nil {
		return err
	}
	return s.stepClaims(ctx, ui, c, g.AccountID)
}

// scopeOf is the scope that asks for each held claim (OIDC Core §5.4).
var scopeOf = map[string]string{"name": oidc.ScopeProfile, "given_name": oidc.ScopeProfile, "family_name": oidc.ScopeProfile,
	"locale": oidc.ScopeProfile, "email": oidc.ScopeEmail, "email_verified": oidc.ScopeEmail}

// setHeld sets the account's claims that want names and that c may
// receive (releases).
func (s *opStorage) setHeld(ui *oidc.UserInfo, c *client, a store.Account, want func(claim string) bool) {
	if s.releases(c, providers.ClaimName, a.NameFrom) {
		if want("given_name") {
			ui.GivenName = a.GivenName
		}
		if want("family_name") {
			ui.FamilyName = a.FamilyName
		}
		if want("name") {
			ui.Name = strings.TrimSpace(a.GivenName + " " + a.FamilyName)
		}
	}
	if a.Email != "" && s.releases(c, providers.ClaimEmail, a.EmailFrom) {
		if want("email") {
			ui.Email = a.Email
		}
		if want("email_verified") {
			ui.EmailVerified = oidc.Bool(a.EmailVerified)
		}
	}
	if a.Locale != "" && want("locale") && s.releases(c, providers.ClaimLocale, a.LocaleFrom) {
		ui.Locale = oidc.NewLocale(parseTag(a.Locale))
	}
}

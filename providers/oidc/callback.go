package oidc

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/providers"
)

// maxErrorText bounds how much of an upstream's error_description reaches
// the operator's log.
const maxErrorText = 200

// CallbackState is the state parameter of the upstream's redirect back
// (RFC 6749 §4.1.2): the answer comes in the query.
func (p *Provider) CallbackState(r *http.Request) string {
	return r.URL.Query().Get("state")
}

// HandleCallback checks the upstream's redirect back to leg.CallbackURL
// against leg and returns the person's identity:
//
//   - state must equal leg.State (compared in constant time), else ErrState;
//   - an iss parameter, when present, must name the configured issuer,
//     and must be present when the upstream advertises it (RFC 9207,
//     against mix-up attacks), else ErrUpstream;
//   - an error response (RFC 6749 §4.1.2.1) yields ErrDenied, and
//     unmet_authentication_requirements (the upstream cannot reach the
//     acr_values asked: OpenID Connect Unmet Authentication Requirements
//     1.0) ErrBelowLevel, so the person gets the same page as for an
//     answer below the level;
//   - the code is exchanged with leg.Verifier (RFC 7636) and the ID token
//     is verified: signature against the upstream's published keys, iss,
//     aud, exp (OpenID Connect Core 1.0 §3.1.3.7) and at_hash when present,
//     all ErrUpstream on failure; its nonce must equal leg.Nonce, else
//     ErrState;
//   - with use_userinfo, the UserInfo answer must carry the ID token's sub
//     (Core §5.3.2), else ErrUpstream.
func (p *Provider) HandleCallback(r *http.Request, leg providers.Leg) (providers.Identity, error) {
	ctx := r.Context()
	fail := func(kind error, format string, args ...any) (providers.Identity, error) {
		return providers.Identity{}, fmt.Errorf("%w: provider %s: %s", kind, p.id, fmt.Sprintf(format, args...))
	}
	q := r.URL.Query()

	if leg.State == "" || !equal(q.Get("state"), leg.State) {
		return fail(providers.ErrState, "callback state does not match the leg")
	}
	up, err := p.discover(ctx)
	if err != nil {
		return providers.Identity{}, err
	}
	iss := q.Get("iss")
	if iss != "" && iss != p.cfg.Issuer {
		return fail(providers.ErrUpstream, "callback iss %q is not the configured issuer %q", clip(iss), p.cfg.Issuer)
	}
	if iss == "" && up.issParameter {
		return fail(providers.ErrUpstream, "callback lacks the iss parameter the upstream advertises")
	}
	if e := q.Get("error"); e == "unmet_authentication_requirements" {
		return fail(providers.ErrBelowLevel, "upstream error %q: %q", e, clip(q.Get("error_description")))
	} else if e != "" {
		return fail(providers.ErrDenied, "upstream error %q: %q", clip(e), clip(q.Get("error_description")))
	}
	code := q.Get("code")
	if code == "" {
		return fail(providers.ErrUpstream, "callback has neither code nor error")
	}

	ctx = context.WithValue(gooidc.ClientContext(ctx, p.client), oauth2.HTTPClient, p.client)
	cfg := up.oauth2
	cfg.RedirectURL = leg.CallbackURL
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(leg.Verifier))
	if err != nil {
		return fail(providers.ErrUpstream, "token exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return fail(providers.ErrUpstream, "token response has no id_token")
	}
	idt, err := up.verifier.Verify(ctx, rawID)
	if err != nil {
		return fail(providers.ErrUpstream, "ID token rejected: %v", err)
	}
	if idt.Subject == "" {
		return fail(providers.ErrUpstream, "ID token has no sub")
	}
	if leg.Nonce == "" || !equal(idt.Nonce, leg.Nonce) {
		return fail(providers.ErrState, "ID token nonce does not match the leg")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return fail(providers.ErrUpstream, "ID token at_hash: %v", err)
		}
	}

	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return fail(providers.ErrUpstream, "ID token claims: %v", err)
	}
	if p.cfg.UseUserinfo {
		ui, err := up.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return fail(providers.ErrUpstream, "userinfo: %v", err)
		}
		if ui.Subject != idt.Subject {
			return fail(providers.ErrUpstream, "userinfo sub %q differs from ID token sub %q", clip(ui.Subject), idt.Subject)
		}
		profile := map[string]any{}
		if err := ui.Claims(&profile); err != nil {
			return fail(providers.ErrUpstream, "userinfo claims: %v", err)
		}
		// Profile attributes only: acr, amr and auth_time describe the
		// authentication and are trusted from the signed ID token alone.
		for _, k := range []string{"acr", "amr", "auth_time", "iss", "aud", "sub", "nonce", "exp", "iat"} {
			delete(profile, k)
		}
		maps.Copy(claims, profile)
	}
	return p.identity(idt.Subject, claims), nil
}

// identity maps verified claims to an Identity. Claims of an unexpected
// type are ignored rather than failing the sign-in.
func (p *Provider) identity(sub string, claims map[string]any) providers.Identity {
	id := providers.Identity{
		Subject:       sub,
		Email:         str(claims[p.cfg.Claims.Email]),
		EmailVerified: boolean(claims["email_verified"]),
		GivenName:     str(claims[p.cfg.Claims.GivenName]),
		FamilyName:    str(claims[p.cfg.Claims.FamilyName]),
		Locale:        str(claims[p.cfg.Claims.Locale]),
	}
	if acr := str(claims["acr"]); acr != "" {
		mapped, ok := p.cfg.ACRMap[acr]
		if ok {
			id.ACR = mapped
		} else {
			p.logger.Debug("upstream acr not in acr_map", slog.String("acr", clip(acr)))
		}
	}
	if amr, ok := claims["amr"].([]any); ok {
		for _, m := range amr {
			if s := str(m); s != "" {
				id.AMR = append(id.AMR, s)
			}
		}
	}
	if at, ok := claims["auth_time"].(float64); ok && at > 0 {
		id.AuthTime = time.Unix(int64(at), 0).UTC()
	}
	return id
}

// equal compares two protocol values in constant time, so a forged
// callback learns nothing from timing.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// boolean reads email_verified, which some upstreams send as a string.
func boolean(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// clip shortens upstream-controlled text before it reaches a log line.
func clip(s string) string {
	if len(s) > maxErrorText {
		return s[:maxErrorText] + "…"
	}
	return s
}

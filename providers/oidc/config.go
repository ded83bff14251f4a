package oidc

import (
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle/internal/validate"
)

// DefaultScopes are requested when Config.Scopes is empty: openid only,
// so an upstream (a Sign-In Partner bank) is asked for nothing but an
// opaque subject. An operator who needs more lists the scopes, and
// providers[].release_claims decides what of it may reach relying
// parties.
var DefaultScopes = []string{"openid"}

// Config is one upstream OpenID Connect provider, as written under a
// provider entry of the configuration file.
type Config struct {
	// Issuer is the upstream's issuer identifier; discovery is fetched from
	// Issuer + "/.well-known/openid-configuration".
	Issuer string `mapstructure:"issuer" yaml:"issuer"`
	// ClientID and ClientSecret are Passerelle's own registration at the
	// upstream (never a relying party's).
	ClientID     string `mapstructure:"client_id" yaml:"client_id"`
	ClientSecret string `mapstructure:"client_secret" yaml:"client_secret"`
	// Scopes requested upstream; DefaultScopes when empty. Must include
	// "openid".
	Scopes []string `mapstructure:"scopes" yaml:"scopes"`
	// UseUserinfo makes the provider call the UserInfo endpoint after the
	// token exchange; its claims take precedence over the ID token's.
	UseUserinfo bool `mapstructure:"use_userinfo" yaml:"use_userinfo"`
	// ACRMap translates upstream acr values into Passerelle acr values.
	// An upstream value missing from the map yields an empty ACR.
	ACRMap map[string]string `mapstructure:"acr_map" yaml:"acr_map"`
	// Claims overrides the claim names read for profile attributes.
	Claims ClaimNames `mapstructure:"claims" yaml:"claims"`
	// Logout passes a sign-out at Passerelle on to the upstream (OpenID
	// Connect RP-Initiated Logout 1.0 at its end_session_endpoint, with
	// client_id): register Passerelle's issuer +
	// "/providers/{id}/logged-out" at the upstream as a post-logout
	// redirect URI.
	Logout bool `mapstructure:"logout" yaml:"logout"`
}

// ACRMapping is the acr_map (registry.ACRMapper).
func (c *Config) ACRMapping() (string, map[string]string) { return "acr_map", c.ACRMap }

// ClaimNames names the upstream claims that carry profile attributes.
// An empty field means the standard OpenID Connect claim name
// (OpenID Connect Core 1.0 §5.1).
type ClaimNames struct {
	Email      string `mapstructure:"email" yaml:"email"`
	GivenName  string `mapstructure:"given_name" yaml:"given_name"`
	FamilyName string `mapstructure:"family_name" yaml:"family_name"`
	Locale     string `mapstructure:"locale" yaml:"locale"`
}

// withDefaults returns c with the standard claim names and scopes filled
// in where c leaves them empty.
func (c Config) withDefaults() Config {
	if len(c.Scopes) == 0 {
		c.Scopes = slices.Clone(DefaultScopes)
	}
	c.Claims.Email = orDefault(c.Claims.Email, "email")
	c.Claims.GivenName = orDefault(c.Claims.GivenName, "given_name")
	c.Claims.FamilyName = orDefault(c.Claims.FamilyName, "family_name")
	c.Claims.Locale = orDefault(c.Claims.Locale, "locale")
	return c
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Validate adds every problem of c to ps, each under path (the dotted
// path of this provider's section, e.g. "providers.gckey.oidc").
func (c *Config) Validate(ps *validate.Problems, path string) {
	p := func(field string) string { return path + "." + field }

	ps.Required(p("issuer"), c.Issuer)
	if c.Issuer != "" {
		ps.AbsoluteURL(p("issuer"), c.Issuer, true)
		// OpenID Connect Discovery 1.0 §2: an issuer has no query or
		// fragment component.
		if u, err := url.Parse(c.Issuer); err == nil && (u.RawQuery != "" || u.ForceQuery) {
			ps.Add(p("issuer"), "must not have a query", c.Issuer)
		}
	}
	ps.Required(p("client_id"), c.ClientID)
	if strings.TrimSpace(c.ClientSecret) == "" {
		ps.Add(p("client_secret"), "is required", nil)
	}
	if len(c.Scopes) > 0 && !slices.Contains(c.Scopes, "openid") {
		ps.Add(p("scopes"), `must include "openid"`, strings.Join(c.Scopes, " "))
	}
	for i, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			ps.Add(p("scopes")+"["+strconv.Itoa(i)+"]", "must be a scope token (no space, quote or backslash)", s)
		}
	}
	for _, k := range sortedKeys(c.ACRMap) {
		if strings.TrimSpace(k) == "" {
			ps.Add(p("acr_map"), "must not have an empty upstream acr", k)
		}
		if strings.TrimSpace(c.ACRMap[k]) == "" {
			ps.Add(p("acr_map")+"."+k, "must name a Passerelle acr value", nil)
		}
	}
}

// LogValue logs the issuer and client ID, never the client secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("issuer", c.Issuer),
		slog.String("client_id", c.ClientID),
	)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

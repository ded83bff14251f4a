package broker

import (
	"fmt"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"net/url"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/providers"
)

// Config is the broker's part of the configuration tree: how tokens and
// sessions behave, the relying parties, and how providers are grouped on
// the chooser. Server, store, keys, providers and ui sections belong to
// their own packages and are assembled by cmd/passerelle.
type Config struct {
	Tokens   TokensConfig   `mapstructure:"tokens" yaml:"tokens"`
	Sessions SessionsConfig `mapstructure:"sessions" yaml:"sessions"`
	Groups   []GroupConfig  `mapstructure:"groups" yaml:"groups"`
	Clients  []ClientConfig `mapstructure:"clients" yaml:"clients"`
	Keys     KeysConfig     `mapstructure:"keys" yaml:"keys"`
	MFA      mfa.Config     `mapstructure:"mfa" yaml:"mfa"`
}

// TokensConfig sets lifetimes. Defaults follow Keycloak's: short access
// tokens, codes valid one minute, refresh families bounded.
type TokensConfig struct {
	AccessToken  time.Duration `mapstructure:"access_token" yaml:"access_token"`   // default 5m
	IDToken      time.Duration `mapstructure:"id_token" yaml:"id_token"`           // default 5m
	RefreshToken time.Duration `mapstructure:"refresh_token" yaml:"refresh_token"` // family lifetime, default 8h
	Code         time.Duration `mapstructure:"code" yaml:"code"`                   // default 1m
	AuthRequest  time.Duration `mapstructure:"auth_request" yaml:"auth_request"`   // time to finish a sign-in, default 30m
}

// SessionsConfig bounds the single sign-on session.
type SessionsConfig struct {
	Idle     time.Duration `mapstructure:"idle" yaml:"idle"`         // default 30m
	Absolute time.Duration `mapstructure:"absolute" yaml:"absolute"` // default 12h
}

// KeysConfig is the signing-key policy. The master key that seals them is
// read by cmd/passerelle.
type KeysConfig struct {
	MasterKey     string `mapstructure:"master_key" yaml:"master_key"`
	MasterKeyFile string `mapstructure:"master_key_file" yaml:"master_key_file"`
	// PublishAhead is how long a rotated-in key is published before it
	// signs anything, so relying parties that cache JWKS see it first.
	PublishAhead time.Duration `mapstructure:"publish_ahead" yaml:"publish_ahead"` // default 10m
}

// GroupConfig is a chooser entry that opens a list of providers (the
// Sign-In Partner list of banks).
type GroupConfig struct {
	ID   string            `mapstructure:"id" yaml:"id"`
	Name map[string]string `mapstructure:"name" yaml:"name"`
}

// ClientConfig is a relying party declared in the configuration file.
type ClientConfig struct {
	ID     string            `mapstructure:"id" yaml:"id"`
	Name   map[string]string `mapstructure:"name" yaml:"name"`
	Secret string            `mapstructure:"secret" yaml:"secret"`
	// SecretSHA256 is the hex SHA-256 of the secret, for configurations
	// that must not hold the secret itself.
	SecretSHA256           string   `mapstructure:"secret_sha256" yaml:"secret_sha256"`
	RedirectURIs           []string `mapstructure:"redirect_uris" yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `mapstructure:"post_logout_redirect_uris" yaml:"post_logout_redirect_uris"`
	// AuthMethod: client_secret_basic (default with a secret),
	// client_secret_post, private_key_jwt, or none (public client).
	AuthMethod          string   `mapstructure:"token_endpoint_auth_method" yaml:"token_endpoint_auth_method"`
	JWKS                string   `mapstructure:"jwks" yaml:"jwks"`
	JWKSURI             string   `mapstructure:"jwks_uri" yaml:"jwks_uri"`
	SubjectType         string   `mapstructure:"subject_type" yaml:"subject_type"` // pairwise (default) or public
	SectorIdentifierURI string   `mapstructure:"sector_identifier_uri" yaml:"sector_identifier_uri"`
	IDTokenAlg          string   `mapstructure:"id_token_signed_response_alg" yaml:"id_token_signed_response_alg"` // ES256 (default) or RS256
	AllowedProviders    []string `mapstructure:"allowed_providers" yaml:"allowed_providers"`                       // empty: all
	RevealProvider      bool     `mapstructure:"reveal_provider" yaml:"reveal_provider"`
	// UpstreamClaims are the claims given by an upstream (email, name,
	// locale) that this client may receive, each only from providers whose
	// release_claims name it too and only under the scope that asks for
	// it. Empty (the default): none.
	UpstreamClaims []string  `mapstructure:"upstream_claims" yaml:"upstream_claims"`
	MFA            ClientMFA `mapstructure:"mfa" yaml:"mfa"`
	// Steps are the journey steps the client adds after the second
	// factor, in order (stepNames lists them); Terms is the text of the
	// "terms" step.
	Steps []string      `mapstructure:"steps" yaml:"steps"`
	Terms *terms.Config `mapstructure:"terms" yaml:"terms"`
}

// ClientMFA is a client's second-factor policy.
type ClientMFA struct {
	// Factors the client accepts: totp, email, webauthn (empty: all).
	Factors []string `mapstructure:"factors" yaml:"factors"`
	// EverySignIn asks for the second factor at every sign-in, not once
	// per SSO session (the trusted-trader portal's rule).
	EverySignIn bool `mapstructure:"every_sign_in" yaml:"every_sign_in"`
	// ACR is the level the client needs when a request asks for none
	// (default: the lowest level a second factor reaches).
	ACR string `mapstructure:"acr" yaml:"acr"`
}

// SetDefaults fills unset values.
func (c *Config) SetDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Tokens.AccessToken, 5*time.Minute)
	def(&c.Tokens.IDToken, 5*time.Minute)
	def(&c.Tokens.RefreshToken, 8*time.Hour)
	def(&c.Tokens.Code, time.Minute)
	def(&c.Tokens.AuthRequest, 30*time.Minute)
	def(&c.Sessions.Idle, 30*time.Minute)
	def(&c.Sessions.Absolute, 12*time.Hour)
	def(&c.Keys.PublishAhead, 10*time.Minute)
	c.MFA.SetDefaults()
}

// Validate adds every problem of the broker section. providerIDs are the
// configured provider IDs, so clients and groups can be checked against
// them.
func (c *Config) Validate(ps *validate.Problems, providerIDs []string) {
	pos := func(path string, d time.Duration, min time.Duration) {
		if d < min {
			ps.Add(path, "must be at least "+min.String(), d.String())
		}
	}
	pos("tokens.access_token", c.Tokens.AccessToken, time.Minute)
	pos("tokens.id_token", c.Tokens.IDToken, time.Minute)
	pos("tokens.refresh_token", c.Tokens.RefreshToken, c.Tokens.AccessToken)
	pos("tokens.code", c.Tokens.Code, 10*time.Second)
	if c.Tokens.Code > 10*time.Minute {
		ps.Add("tokens.code", "must be at most 10m (RFC 6749 §4.1.2)", c.Tokens.Code.String())
	}
	pos("tokens.auth_request", c.Tokens.AuthRequest, time.Minute)
	pos("sessions.idle", c.Sessions.Idle, time.Minute)
	pos("sessions.absolute", c.Sessions.Absolute, c.Sessions.Idle)
	pos("keys.publish_ahead", c.Keys.PublishAhead, 0)

	c.MFA.Validate(ps, "mfa")
	ladder := c.MFA.Ladder()
	known := map[string]bool{}
	for _, id := range providerIDs {
		known[id] = true
	}
	for i, g := range c.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		ps.Required(p+".id", g.ID)
		checkNames(ps, p+".name", g.Name)
	}
	seen := map[string]bool{}
	for i := range c.Clients {
		p := fmt.Sprintf("clients[%d]", i)
		cl := &c.Clients[i]
		if seen[cl.ID] && cl.ID != "" {
			ps.Add(p+".id", "must be unique", cl.ID)
		}
		seen[cl.ID] = true
		cl.validate(ps, p, known)
		for j, k := range cl.MFA.Factors {
			ps.OneOf(fmt.Sprintf("%s.mfa.factors[%d]", p, j), k, policyKinds()...)
		}
		if cl.MFA.ACR != "" && ladder.Rank(cl.MFA.ACR) < 0 {
			ps.Add(p+".mfa.acr", "must be one of the mfa.acr ladder's values", cl.MFA.ACR)
		} else if cl.MFA.ACR != "" && ladder.Rank(cl.MFA.ACR) < ladder.Rank(ladder.Lowest()) {
			// A second factor is never optional.
			ps.Add(p+".mfa.acr", "must be a level a second factor reaches (at least "+ladder.Lowest()+")", cl.MFA.ACR)
		}
	}
}

func checkNames(ps *validate.Problems, path string, names map[string]string) {
	for _, l := range []string{"en", "fr"} {
		if names[l] == "" {
			ps.Add(path+"."+l, "is required (every name exists in English and French)", nil)
		}
	}
}

func (cl *ClientConfig) validate(ps *validate.Problems, p string, known map[string]bool) {
	ps.Required(p+".id", cl.ID)
	cl.validateSteps(ps, p)
	checkNames(ps, p+".name", cl.Name)
	if cl.AuthMethod == "" {
		switch {
		case cl.Secret != "" || cl.SecretSHA256 != "":
			cl.AuthMethod = "client_secret_basic"
		case cl.JWKS != "" || cl.JWKSURI != "":
			cl.AuthMethod = "private_key_jwt"
		default:
			cl.AuthMethod = "none"
		}
	}
	ps.OneOf(p+".token_endpoint_auth_method", cl.AuthMethod, "client_secret_basic", "client_secret_post", "private_key_jwt", "none")
	switch cl.AuthMethod {
	case "client_secret_basic", "client_secret_post":
		if cl.Secret == "" && cl.SecretSHA256 == "" {
			ps.Add(p+".secret", "is required for "+cl.AuthMethod+" (or secret_sha256)", nil)
		}
		if cl.Secret != "" && len(cl.Secret) < 16 {
			ps.Add(p+".secret", "must be at least 16 characters", validate.Secret)
		}
		if cl.SecretSHA256 != "" && len(cl.SecretSHA256) != 64 {
			ps.Add(p+".secret_sha256", "must be 64 hexadecimal characters", cl.SecretSHA256)
		}
	case "private_key_jwt":
		if (cl.JWKS == "") == (cl.JWKSURI == "") {
			ps.Add(p+".jwks", "exactly one of jwks and jwks_uri is required for private_key_jwt", nil)
		}
		if cl.JWKSURI != "" {
			ps.AbsoluteURL(p+".jwks_uri", cl.JWKSURI, true)
		}
	case "none":
		if cl.Secret != "" || cl.SecretSHA256 != "" {
			ps.Add(p+".secret", "must be empty for a public client (token_endpoint_auth_method none)", validate.Secret)
		}
	}
	if len(cl.RedirectURIs) == 0 {
		ps.Add(p+".redirect_uris", "must list at least one URI", nil)
	}
	for j, u := range cl.RedirectURIs {
		checkRedirect(ps, fmt.Sprintf("%s.redirect_uris[%d]", p, j), u)
	}
	for j, u := range cl.PostLogoutRedirectURIs {
		checkRedirect(ps, fmt.Sprintf("%s.post_logout_redirect_uris[%d]", p, j), u)
	}
	if cl.SubjectType == "" {
		cl.SubjectType = "pairwise"
	}
	ps.OneOf(p+".subject_type", cl.SubjectType, "pairwise", "public")
	if cl.SectorIdentifierURI != "" {
		ps.AbsoluteURL(p+".sector_identifier_uri", cl.SectorIdentifierURI, true)
	} else if cl.SubjectType == "pairwise" {
		if hosts := redirectHosts(cl.RedirectURIs); len(hosts) > 1 {
			ps.Add(p+".sector_identifier_uri", "is required when redirect URIs span several hosts (OIDC Core §8.1)", fmt.Sprint(hosts))
		}
	}
	if cl.IDTokenAlg == "" {
		cl.IDTokenAlg = "ES256"
	}
	ps.OneOf(p+".id_token_signed_response_alg", cl.IDTokenAlg, "ES256", "RS256")
	for j, id := range cl.AllowedProviders {
		if !known[id] {
			ps.Add(fmt.Sprintf("%s.allowed_providers[%d]", p, j), "must name a configured provider", id)
		}
	}
	for j, claim := range cl.UpstreamClaims {
		ps.OneOf(fmt.Sprintf("%s.upstream_claims[%d]", p, j), claim, providers.ReleasableClaims...)
	}
}

func checkRedirect(ps *validate.Problems, path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || u.Opaque != "" {
		ps.Add(path, "must be an absolute URI without a fragment", raw)
		return
	}
	if u.Scheme == "http" && !validate.IsLoopback(u.Hostname()) {
		ps.Add(path, "must use https (plain http only on loopback)", raw)
	}
}

func redirectHosts(uris []string) []string {
	var hosts []string
	seen := map[string]bool{}
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || seen[u.Hostname()] {
			continue
		}
		seen[u.Hostname()] = true
		hosts = append(hosts, u.Hostname())
	}
	return hosts
}

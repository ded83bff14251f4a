package store

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// Client is a relying party, in the one form every part of Passerelle
// uses: an entry of the configuration file's clients[] list (mapstructure
// and yaml names), the admin API's JSON and the store's record (json
// names). The names follow RFC 7591 client metadata where it has one, so a
// validation problem's path, such as clients[0].redirect_uris[0], names
// the field to fix in either surface.
//
// The secret is never stored nor shown: the configuration gives it as
// Secret (plaintext) or SecretSHA256 (hex), and HashSecret turns either
// into SecretHash, the only form a record keeps.
type Client struct {
	ID   string            `json:"id" mapstructure:"id" yaml:"id"`
	Name map[string]string `json:"name,omitempty" mapstructure:"name" yaml:"name,omitempty"` // language → display name
	// Secret is the plaintext client secret of a configured client;
	// SecretSHA256 is its hex SHA-256, for configurations that must not
	// hold the secret itself. Neither reaches JSON.
	Secret       string `json:"-" mapstructure:"secret" yaml:"secret,omitempty"`
	SecretSHA256 string `json:"-" mapstructure:"secret_sha256" yaml:"secret_sha256,omitempty"`
	// SecretHash is HashToken(secret); empty for public clients and for
	// private_key_jwt clients.
	SecretHash             []byte   `json:"secret_hash,omitempty" mapstructure:"-" yaml:"-"`
	RedirectURIs           []string `json:"redirect_uris" mapstructure:"redirect_uris" yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty" mapstructure:"post_logout_redirect_uris" yaml:"post_logout_redirect_uris,omitempty"`
	// Public marks a client that cannot keep a secret: auth method none.
	// Validate derives it from AuthMethod (and AuthMethod from it when
	// AuthMethod is unset).
	Public bool `json:"public,omitempty" mapstructure:"public" yaml:"public,omitempty"`
	// AuthMethod is client_secret_basic (default with a secret),
	// client_secret_post, private_key_jwt (default with jwks or jwks_uri)
	// or none (public client).
	AuthMethod          string `json:"token_endpoint_auth_method" mapstructure:"token_endpoint_auth_method" yaml:"token_endpoint_auth_method,omitempty"`
	JWKS                string `json:"jwks,omitempty" mapstructure:"jwks" yaml:"jwks,omitempty"` // inline JWK Set (JSON) for private_key_jwt
	JWKSURI             string `json:"jwks_uri,omitempty" mapstructure:"jwks_uri" yaml:"jwks_uri,omitempty"`
	SubjectType         string `json:"subject_type,omitempty" mapstructure:"subject_type" yaml:"subject_type,omitempty"` // pairwise (default) or public
	SectorIdentifierURI string `json:"sector_identifier_uri,omitempty" mapstructure:"sector_identifier_uri" yaml:"sector_identifier_uri,omitempty"`
	// IDTokenAlg is ES256 (default), RS256 or EdDSA (Ed25519).
	IDTokenAlg string `json:"id_token_signed_response_alg,omitempty" mapstructure:"id_token_signed_response_alg" yaml:"id_token_signed_response_alg,omitempty"`
	// AllowedProviders are the upstreams the client accepts (empty: all).
	AllowedProviders []string `json:"allowed_providers,omitempty" mapstructure:"allowed_providers" yaml:"allowed_providers,omitempty"`
	RevealProvider   bool     `json:"reveal_provider,omitempty" mapstructure:"reveal_provider" yaml:"reveal_provider,omitempty"`
	// UpstreamClaims are the claims given by an upstream (email, name,
	// locale) that this client may receive, each only from providers whose
	// release_claims name it too and only under the scope that asks for
	// it. Empty (the default): none.
	UpstreamClaims []string  `json:"upstream_claims,omitempty" mapstructure:"upstream_claims" yaml:"upstream_claims,omitempty"`
	MFA            ClientMFA `json:"mfa" mapstructure:"mfa" yaml:"mfa,omitempty"`
	// Logout notifications (OpenID Back-Channel Logout 1.0 and
	// Front-Channel Logout 1.0): where Passerelle tells the client that a
	// session it took part in has ended. The back-channel URI receives a
	// logout token by POST; the front-channel URI is loaded in an iframe
	// of the signed-out page, with iss and sid. Each *SessionRequired
	// says the client needs sid; Passerelle always sends it.
	BackchannelLogoutURI              string `json:"backchannel_logout_uri,omitempty" mapstructure:"backchannel_logout_uri" yaml:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired  bool   `json:"backchannel_logout_session_required,omitempty" mapstructure:"backchannel_logout_session_required" yaml:"backchannel_logout_session_required,omitempty"`
	FrontchannelLogoutURI             string `json:"frontchannel_logout_uri,omitempty" mapstructure:"frontchannel_logout_uri" yaml:"frontchannel_logout_uri,omitempty"`
	FrontchannelLogoutSessionRequired bool   `json:"frontchannel_logout_session_required,omitempty" mapstructure:"frontchannel_logout_session_required" yaml:"frontchannel_logout_session_required,omitempty"`
	// DPoPBoundAccessTokens requires a DPoP proof at the token endpoint
	// (RFC 9449 §5.2): every token of the client is bound to its key.
	DPoPBoundAccessTokens bool `json:"dpop_bound_access_tokens,omitempty" mapstructure:"dpop_bound_access_tokens" yaml:"dpop_bound_access_tokens,omitempty"`
	// Steps are the journey steps the client adds after the second
	// factor, in order (broker/journey).
	Steps []string `json:"steps,omitempty" mapstructure:"steps" yaml:"steps,omitempty"`
	// Organizations are the client's role table and how people join its
	// organizations (the "organization" step, the account pages).
	Organizations *ClientOrgs `json:"organizations,omitempty" mapstructure:"organizations" yaml:"organizations,omitempty"`
	CreatedAt     time.Time   `json:"created_at,omitzero" mapstructure:"-" yaml:"-"`

	// AllowedOrigins are the web origins (scheme://host[:port]) whose
	// scripts may call the token, revocation and userinfo endpoints for
	// this client (CORS, never with credentials). Empty: none.
	AllowedOrigins []string `json:"allowed_origins,omitempty" mapstructure:"allowed_origins" yaml:"allowed_origins,omitempty"`
	// RequirePAR: authorization requests must be pushed first (RFC 9126
	// §6, require_pushed_authorization_requests).
	RequirePAR bool `json:"require_pushed_authorization_requests,omitempty" mapstructure:"require_pushed_authorization_requests" yaml:"require_pushed_authorization_requests,omitempty"`
	// RequestURIs are the URIs a request object may be fetched from by
	// reference (RFC 9101 §5.2, request_uris); https (http on loopback),
	// matched exactly.
	RequestURIs []string `json:"request_uris,omitempty" mapstructure:"request_uris" yaml:"request_uris,omitempty"`
}

// ClientMFA is a client's second-factor policy.
type ClientMFA struct {
	// Factors the client accepts: totp, email, webauthn (empty: all).
	Factors []string `json:"factors,omitempty" mapstructure:"factors" yaml:"factors,omitempty"`
	// EverySignIn asks for the second factor at every sign-in, not once
	// per SSO session (the trusted-trader portal's rule).
	EverySignIn bool `json:"every_sign_in,omitempty" mapstructure:"every_sign_in" yaml:"every_sign_in,omitempty"`
	// ACR is the level the client needs when a request asks for none
	// (default: the lowest level a second factor reaches).
	ACR string `json:"acr,omitempty" mapstructure:"acr" yaml:"acr,omitempty"`
}

// LogValue keeps the secret and its hash out of logs.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID))
}

// Client authentication methods (RFC 7591 §2, OIDC Core §9).
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
	AuthPrivateKey  = "private_key_jwt"
	AuthNone        = "none"
)

// UsesSecret reports whether the client authenticates with a secret.
func (c *Client) UsesSecret() bool {
	return c.AuthMethod == AuthSecretBasic || c.AuthMethod == AuthSecretPost
}

// ClientRules are the checks of Client.Validate that depend on the
// deployment's configuration rather than on the client alone.
type ClientRules struct {
	// Providers are the configured upstream IDs allowed_providers may name.
	Providers []string
	// Claims are the upstream claims upstream_claims may name.
	Claims []string
	// Factors are the factor kinds mfa.factors may name.
	Factors []string
	// ACRs is the assurance ladder, lowest first; MinACR the lowest level
	// a second factor reaches (mfa.acr may not be below it).
	ACRs   []string
	MinACR string
	// Steps are the journey steps steps may name.
	Steps []string
}

// SetDefaults resolves what an entry may leave out: the auth method (from
// Public, a secret, or keys), Public itself, the subject type, the ID
// token algorithm and the organizations' defaults.
func (c *Client) SetDefaults() {
	if c.AuthMethod == "" {
		switch {
		case c.Public:
			c.AuthMethod = AuthNone
		case c.Secret != "" || c.SecretSHA256 != "" || len(c.SecretHash) > 0:
			c.AuthMethod = AuthSecretBasic
		case c.JWKS != "" || c.JWKSURI != "":
			c.AuthMethod = AuthPrivateKey
		default:
			c.AuthMethod = AuthNone
		}
	}
	c.Public = c.AuthMethod == AuthNone
	if c.SubjectType == "" {
		c.SubjectType = "pairwise"
	}
	if c.IDTokenAlg == "" {
		c.IDTokenAlg = "ES256"
	}
	if c.Organizations != nil {
		c.Organizations.SetDefaults()
	}
}

// Validate sets defaults (SetDefaults) and adds every problem of c to ps,
// each under path (clients[0] in the configuration file and the admin
// API), checking what depends on the deployment against rules.
func (c *Client) Validate(ps *validate.Problems, path string, rules ClientRules) {
	if c.Public && c.AuthMethod != "" && c.AuthMethod != AuthNone {
		ps.Add(path+".public", "a public client uses token_endpoint_auth_method none", c.AuthMethod)
	}
	c.SetDefaults()
	ps.Required(path+".id", c.ID)
	for _, l := range []string{"en", "fr"} {
		if c.Name[l] == "" {
			ps.Add(path+".name."+l, "is required (every name exists in English and French)", nil)
		}
	}
	c.validateAuth(ps, path)
	if len(c.RedirectURIs) == 0 {
		ps.Add(path+".redirect_uris", "must list at least one URI", nil)
	}
	for j, u := range c.RedirectURIs {
		checkRedirect(ps, fmt.Sprintf("%s.redirect_uris[%d]", path, j), u)
	}
	for j, u := range c.PostLogoutRedirectURIs {
		checkRedirect(ps, fmt.Sprintf("%s.post_logout_redirect_uris[%d]", path, j), u)
	}
	for j, o := range c.AllowedOrigins {
		checkOrigin(ps, fmt.Sprintf("%s.allowed_origins[%d]", path, j), o)
	}
	for j, u := range c.RequestURIs {
		checkRedirect(ps, fmt.Sprintf("%s.request_uris[%d]", path, j), u)
	}
	if c.BackchannelLogoutURI != "" {
		checkLogoutURI(ps, path+".backchannel_logout_uri", c.BackchannelLogoutURI)
	}
	if c.FrontchannelLogoutURI != "" {
		checkLogoutURI(ps, path+".frontchannel_logout_uri", c.FrontchannelLogoutURI)
	}
	ps.OneOf(path+".subject_type", c.SubjectType, "pairwise", "public")
	if c.SectorIdentifierURI != "" {
		ps.AbsoluteURL(path+".sector_identifier_uri", c.SectorIdentifierURI, true)
	} else if c.SubjectType == "pairwise" {
		if hosts := RedirectHosts(c.RedirectURIs); len(hosts) > 1 {
			ps.Add(path+".sector_identifier_uri", "is required when redirect URIs span several hosts (OIDC Core §8.1)", fmt.Sprint(hosts))
		}
	}
	ps.OneOf(path+".id_token_signed_response_alg", c.IDTokenAlg, "ES256", "RS256", "EdDSA")
	for j, id := range c.AllowedProviders {
		if !slices.Contains(rules.Providers, id) {
			ps.Add(fmt.Sprintf("%s.allowed_providers[%d]", path, j), "must name a configured provider", id)
		}
	}
	for j, claim := range c.UpstreamClaims {
		ps.OneOf(fmt.Sprintf("%s.upstream_claims[%d]", path, j), claim, rules.Claims...)
	}
	for j, k := range c.MFA.Factors {
		ps.OneOf(fmt.Sprintf("%s.mfa.factors[%d]", path, j), k, rules.Factors...)
	}
	if acr := c.MFA.ACR; acr != "" {
		rank := slices.Index(rules.ACRs, acr)
		if rank < 0 {
			ps.Add(path+".mfa.acr", "must be one of the mfa.acr ladder's values", acr)
		} else if rank < slices.Index(rules.ACRs, rules.MinACR) {
			// A second factor is never optional.
			ps.Add(path+".mfa.acr", "must be a level a second factor reaches (at least "+rules.MinACR+")", acr)
		}
	}
	for i, s := range c.Steps {
		if !slices.Contains(rules.Steps, s) || slices.Index(c.Steps, s) != i {
			ps.Add(fmt.Sprintf("%s.steps[%d]", path, i), "must be one of "+fmt.Sprint(rules.Steps)+", once each", s)
		}
	}
	if c.Organizations != nil {
		c.Organizations.Validate(ps, path+".organizations")
	}
}

func (c *Client) validateAuth(ps *validate.Problems, p string) {
	ps.OneOf(p+".token_endpoint_auth_method", c.AuthMethod, AuthSecretBasic, AuthSecretPost, AuthPrivateKey, AuthNone)
	hasSecret := c.Secret != "" || c.SecretSHA256 != "" || len(c.SecretHash) > 0
	switch c.AuthMethod {
	case AuthSecretBasic, AuthSecretPost:
		if !hasSecret {
			ps.Add(p+".secret", "is required for "+c.AuthMethod+" (or secret_sha256)", nil)
		}
		if c.Secret != "" && len(c.Secret) < 16 {
			ps.Add(p+".secret", "must be at least 16 characters", validate.Secret)
		}
		if c.SecretSHA256 != "" {
			if b, err := hex.DecodeString(c.SecretSHA256); err != nil || len(b) != 32 {
				ps.Add(p+".secret_sha256", "must be 64 hexadecimal characters", c.SecretSHA256)
			}
		}
	case AuthPrivateKey:
		if (c.JWKS == "") == (c.JWKSURI == "") {
			ps.Add(p+".jwks", "exactly one of jwks and jwks_uri is required for private_key_jwt", nil)
		}
		if c.JWKSURI != "" {
			ps.AbsoluteURL(p+".jwks_uri", c.JWKSURI, true)
		}
	case AuthNone:
		if hasSecret {
			ps.Add(p+".secret", "must be empty for a public client (token_endpoint_auth_method none)", validate.Secret)
		}
	}
}

// HashSecret moves a configured secret (Secret or SecretSHA256) into
// SecretHash, so the client can be kept or compared without it. A valid
// client's SecretSHA256 always decodes.
func (c *Client) HashSecret() error {
	switch {
	case c.Secret != "":
		c.SecretHash = HashToken(c.Secret)
	case c.SecretSHA256 != "":
		h, err := hex.DecodeString(c.SecretSHA256)
		if err != nil {
			return fmt.Errorf("client %s: secret_sha256: %w", c.ID, err)
		}
		c.SecretHash = h
	}
	c.Secret, c.SecretSHA256 = "", ""
	return nil
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

// checkLogoutURI checks a logout notification URI: absolute, https
// (plain http only on loopback), no fragment (Back-Channel Logout §2.2,
// Front-Channel Logout §2). It may carry a query.
func checkLogoutURI(ps *validate.Problems, path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		ps.Add(path, "must be an absolute http(s) URI without a fragment", raw)
		return
	}
	checkRedirect(ps, path, raw)
}

// checkOrigin adds a problem unless raw is a web origin: https (http on
// loopback), a host, an optional port, nothing else (RFC 6454 §6.2).
func checkOrigin(ps *validate.Problems, path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Path != "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil || strings.HasSuffix(raw, "/") || strings.HasSuffix(raw, "?") {
		ps.Add(path, "must be an origin: scheme://host[:port], without a path", raw)
		return
	}
	if u.Scheme == "http" && !validate.IsLoopback(u.Hostname()) {
		ps.Add(path, "must use https (plain http only on loopback)", raw)
	}
}

// RedirectHosts are the distinct hosts of uris, in order.
func RedirectHosts(uris []string) []string {
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

// Sector is the client's pairwise sector (OIDC Core §8.1): the host of
// its sector_identifier_uri, else the host of its redirect URIs
// (validation made sure there is one), else its ID.
func (c *Client) Sector() string {
	if c.SectorIdentifierURI != "" {
		if u, err := url.Parse(c.SectorIdentifierURI); err == nil {
			return strings.ToLower(u.Hostname())
		}
	}
	if hosts := RedirectHosts(c.RedirectURIs); len(hosts) > 0 {
		return strings.ToLower(hosts[0])
	}
	return c.ID
}

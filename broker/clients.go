package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// clients finds relying parties: configuration first, then the store
// (clients added with `passerelle clients add` or the admin API, kept in
// memory by storedClients). A configured client is built once, when the
// configuration is loaded, and every request shares it (nobody changes a
// *client).
type clients struct {
	static map[string]*client
	stored *storedClients
}

// newClients builds the configured clients, whose ID tokens last idTTL.
func newClients(cfgs []ClientConfig, stored *storedClients, now time.Time, idTTL time.Duration) (*clients, error) {
	cs := &clients{static: make(map[string]*client, len(cfgs)), stored: stored}
	for _, c := range cfgs {
		sc := c.Client
		sc.SetDefaults()
		if err := sc.HashSecret(); err != nil {
			return nil, err
		}
		sc.CreatedAt = now
		cs.static[c.ID] = &client{Client: sc, idTTL: idTTL}
	}
	return cs, nil
}

// errUnknownClient is a plain error: zitadel/oidc maps it to
// invalid_client (token endpoint) or an error page (authorize), never 500.
var errUnknownClient = errors.New("unknown client")

func (c *clients) get(ctx context.Context, id string) (*client, error) {
	if cl, ok := c.static[id]; ok {
		return cl, nil
	}
	cl, err := c.stored.get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknownClient
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return cl, nil
}

// client adapts a stored or configured relying party to op.Client.
type client struct {
	store.Client
	idTTL time.Duration // the lifetime of its ID tokens
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.ID }
func (c *client) RedirectURIs() []string           { return c.Client.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.Client.PostLogoutRedirectURIs }
func (c *client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethod(c.Client.AuthMethod) }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string            { return "/login/" + url.PathEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.idTTL }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// checkSecret compares in constant time.
func (c *client) checkSecret(secret string) bool {
	if len(c.SecretHash) == 0 || secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare(store.HashToken(secret), c.SecretHash) == 1
}

// allows reports whether the client accepts sign-ins through provider.
func (c *client) allows(provider string) bool {
	if len(c.AllowedProviders) == 0 {
		return true
	}
	for _, p := range c.AllowedProviders {
		if p == provider {
			return true
		}
	}
	return false
}

// displayName is the client's name in lang.
func (c *client) displayName(lang string) string {
	if n := c.Name[lang]; n != "" {
		return n
	}
	return c.ID
}

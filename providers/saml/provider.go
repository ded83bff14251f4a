package saml

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
)

var _ providers.CallbackProvider = (*Provider)(nil)

// defaultTimeout bounds every request to the IdP (metadata) when Open is
// given no client.
const defaultTimeout = 10 * time.Second

// Options is what the broker gives a SAML provider besides its Config.
type Options struct {
	// BaseURL is the public URL under which this provider's own routes
	// live (e.g. https://login.example/providers/gckey): BaseURL+"/metadata"
	// (the SP metadata, and the default entity ID), "/acs" (the Assertion
	// Consumer Service, HTTP-POST) and "/slo" (Single Logout,
	// HTTP-Redirect).
	BaseURL string
	// Client fetches IdP metadata; nil means a 10-second-timeout client.
	Client *http.Client
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock (nil: time.Now); every time check uses it.
	Now func() time.Time
	// Replay records consumed assertion IDs; nil means an in-memory cache
	// of Config.ReplayCapacity entries (per process: replicas need a
	// shared one).
	Replay ReplayCache
}

// Provider signs people in at one SAML 2.0 IdP as a service provider.
type Provider struct {
	id     string
	cfg    Config
	keys   []spKey
	logger *slog.Logger
	now    func() time.Time
	clock  *dsig.Clock
	replay ReplayCache
	idp    *idpMetadata

	entityID              string
	metadataURL, acs, slo url.URL
}

// Open checks cfg and returns the provider named id. It does not contact
// the IdP: metadata from a URL is fetched at the first sign-in, so an IdP
// that is down when Passerelle starts does not stop it.
func Open(id string, cfg Config, opts Options) (*Provider, error) {
	var ps validate.Problems
	cfg.Validate(&ps, "providers."+id+".saml")
	if opts.BaseURL == "" {
		ps.Add("providers."+id, "needs the server's public URL", nil)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	p := &Provider{id: id, cfg: cfg, now: opts.Now, replay: opts.Replay}
	for _, k := range cfg.Keys {
		sk, err := k.load()
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", id, err)
		}
		p.keys = append(p.keys, sk)
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.clock = dsig.NewFakeClock(funcClock{Clock: clockwork.NewRealClock(), now: p.now})
	if p.replay == nil {
		p.replay = NewMemoryReplayCache(cfg.ReplayCapacity, p.now)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	p.logger = logger.With(slog.String("provider", id))
	base := strings.TrimSuffix(opts.BaseURL, "/")
	for dst, path := range map[*url.URL]string{&p.metadataURL: "/metadata", &p.acs: "/acs", &p.slo: "/slo"} {
		u, err := url.Parse(base + path)
		if err != nil {
			return nil, fmt.Errorf("provider %s: base URL: %w", id, err)
		}
		*dst = *u
	}
	p.entityID = cfg.EntityID
	if p.entityID == "" {
		p.entityID = p.metadataURL.String()
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	p.idp = &idpMetadata{file: cfg.IDPMetadataFile, url: cfg.IDPMetadataURL, entityID: cfg.IDPEntityID,
		refresh: cfg.MetadataRefresh, client: client, now: p.now}
	return p, nil
}

// funcClock is the injected clock as the clockwork.Clock that goxmldsig
// and crewjam/saml read the time from.
type funcClock struct {
	clockwork.Clock
	now func() time.Time
}

func (c funcClock) Now() time.Time { return c.now() }

// serviceProvider is the library's SP for this provider over the current
// IdP metadata. It is built per message: a struct literal, no I/O.
func (p *Provider) serviceProvider(ctx context.Context) (*crewsaml.ServiceProvider, error) {
	md, stale, err := p.idp.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: provider %s: %w", providers.ErrUpstream, p.id, err)
	}
	if stale != nil {
		p.logger.WarnContext(ctx, "IdP metadata refresh failed; keeping the last good copy", "error", stale)
	}
	return p.spFor(md), nil
}

// spFor is the library's SP over the IdP metadata md (nil for what needs
// none: the SP metadata).
func (p *Provider) spFor(md *crewsaml.EntityDescriptor) *crewsaml.ServiceProvider {
	var more []*rsa.PrivateKey
	for _, k := range p.keys[1:] {
		more = append(more, k.key)
	}
	return &crewsaml.ServiceProvider{
		EntityID:              p.entityID,
		Key:                   p.keys[0].key,
		Certificate:           p.keys[0].cert,
		EncryptionKey:         p.keys[0].key,
		EncryptionCertificate: p.keys[0].cert,
		DecryptionKeys:        more,
		MetadataURL:           p.metadataURL,
		AcsURL:                p.acs,
		SloURL:                p.slo,
		IDPMetadata:           md,
		AuthnNameIDFormat:     crewsaml.PersistentNameIDFormat,
		SignatureMethod:       dsig.RSASHA256SignatureMethod,
		RequestedAuthnContext: &crewsaml.RequestedAuthnContext{
			Comparison:            "exact",
			AuthnContextClassRefs: p.cfg.Levels,
		},
		ValidateAuthnContextClassRef:     true,
		AssertionConsumerServiceBindings: []string{crewsaml.HTTPPostBinding},
		LogoutBindings:                   []string{crewsaml.HTTPRedirectBinding},
		Clock:                            p.clock,
		ReplayCache:                      replayAdapter{p.replay},
		RejectSHA1Signatures:             true,
		RejectUnknownConditions:          true,
		LimitRelayStateLength:            true,
	}
}

// requestID is the AuthnRequest ID of one sign-in: derived from the
// flow's nonce (an HMAC the broker binds to the auth request and this
// provider), so it needs no storage and InResponseTo names exactly one
// auth request.
func requestID(flow providers.Leg) string { return "_" + flow.Nonce }

// LoginURL returns the IdP's SSO URL carrying a signed AuthnRequest
// (HTTP-Redirect binding, saml-bindings-2.0-os §3.4.4.1) with a
// persistent NameIDPolicy and RequestedAuthnContext Comparison="exact";
// RelayState is the flow's state. callbackURL is not used: a SAML IdP
// knows the ACS from the SP metadata, so the ACS is BaseURL+"/acs".
func (p *Provider) LoginURL(ctx context.Context, flow providers.Leg, opts providers.LoginOptions) (string, []byte, error) {
	u, err := p.loginURL(ctx, flow, opts)
	return u, nil, err
}

func (p *Provider) loginURL(ctx context.Context, flow providers.Leg, opts providers.LoginOptions) (string, error) {
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", err
	}
	if opts.ForceLogin {
		force := true
		sp.ForceAuthn = &force
	}
	dest := sp.GetSSOBindingLocation(crewsaml.HTTPRedirectBinding)
	if dest == "" {
		return "", fmt.Errorf("%w: provider %s: the IdP metadata has no HTTP-Redirect SSO endpoint", providers.ErrUpstream, p.id)
	}
	req, err := sp.MakeAuthenticationRequest(dest, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", fmt.Errorf("%w: provider %s: AuthnRequest: %w", providers.ErrUpstream, p.id, err)
	}
	req.ID = requestID(flow)
	u, err := req.Redirect(flow.State, sp)
	if err != nil {
		return "", fmt.Errorf("%w: provider %s: AuthnRequest: %w", providers.ErrUpstream, p.id, err)
	}
	return u.String(), nil
}

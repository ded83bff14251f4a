package saml

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
)

// defaultTimeout bounds every request to the IdP (metadata) when Open is
// given no client.
const defaultTimeout = 10 * time.Second

// Options is what the broker gives a SAML provider besides its Config.
type Options struct {
	// URLs are the provider's own URLs at Passerelle, when known at Open
	// (tests); otherwise the broker gives them to Handler at start-up.
	// The ACS is URLs.Callback (/callback/{id}, HTTP-POST); the SP
	// metadata is URLs.Base+"metadata" (also the default entity ID) and
	// Single Logout URLs.Base+"slo" (HTTP-Redirect).
	URLs providers.URLs
	// Client fetches IdP metadata; nil means a 10-second-timeout client.
	Client *http.Client
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock (nil: time.Now); every time check uses it.
	Now func() time.Time
	// Hits records consumed assertion IDs (the store's Hit), when known
	// at Open (tests); otherwise the broker gives it to SetReplayStore.
	Hits providers.Hits
	// Host is what single logout calls back in the broker, when known at
	// Open (tests); otherwise the broker gives it to SetLogoutHost.
	Host providers.LogoutHost
}

// Provider signs people in at one SAML 2.0 IdP as a service provider.
type Provider struct {
	id     string
	cfg    Config
	keys   []spKey
	logger *slog.Logger
	now    func() time.Time
	clock  *dsig.Clock
	hits   atomic.Pointer[providers.Hits]
	idp    *idpMetadata
	host   atomic.Pointer[providers.LogoutHost]

	urls     atomic.Pointer[endpoints]
	metadata atomic.Pointer[spMetadata] // built once per endpoints
}

// endpoints are the SP's own URLs, known once the broker has said where
// the provider lives.
type endpoints struct {
	entityID              string
	metadataURL, acs, slo url.URL
}

// Open checks cfg and returns the provider named id. It does not contact
// the IdP: metadata from a URL is fetched at the first sign-in, so an IdP
// that is down when Passerelle starts does not stop it.
func Open(id string, cfg Config, opts Options) (*Provider, error) {
	var ps validate.Problems
	cfg.Validate(&ps, "providers."+id+".saml")
	if err := ps.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	p := &Provider{id: id, cfg: cfg, now: opts.Now}
	if opts.Hits != nil {
		p.SetReplayStore(opts.Hits)
	}
	p.SetLogoutHost(opts.Host)
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
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	p.logger = logger.With(slog.String("provider", id))
	if opts.URLs.Base != "" {
		if err := p.setURLs(opts.URLs); err != nil {
			return nil, err
		}
	}
	client := opts.Client
	if client == nil {
		client = providers.NewHTTPClient(defaultTimeout)
	}
	p.idp = &idpMetadata{file: cfg.IDPMetadataFile, url: cfg.IDPMetadataURL, entityID: cfg.IDPEntityID,
		refresh: cfg.MetadataRefresh, client: client, now: p.now, clock: p.clock}
	if cfg.IDPMetadataSigningCert != "" {
		var err error
		if p.idp.signer, err = loadCert(cfg.IDPMetadataSigningCert); err != nil {
			return nil, fmt.Errorf("provider %s: idp_metadata_signing_cert: %w", id, err)
		}
	}
	return p, nil
}

// setURLs records where the broker serves this provider.
func (p *Provider) setURLs(u providers.URLs) error {
	base := strings.TrimSuffix(u.Base, "/") + "/"
	var ep endpoints
	for dst, raw := range map[*url.URL]string{&ep.metadataURL: base + "metadata", &ep.slo: base + "slo", &ep.acs: u.Callback} {
		parsed, err := url.Parse(raw)
		if err != nil || parsed.Host == "" {
			return fmt.Errorf("provider %s: URL %q is not absolute", p.id, raw)
		}
		*dst = *parsed
	}
	ep.entityID = p.cfg.EntityID
	if ep.entityID == "" {
		ep.entityID = ep.metadataURL.String()
	}
	p.urls.Store(&ep)
	return nil
}

// endpoints returns the SP's URLs, or ErrUpstream before the broker has
// given them.
func (p *Provider) endpoints() (*endpoints, error) {
	ep := p.urls.Load()
	if ep == nil {
		return nil, fmt.Errorf("%w: provider %s: its URLs are not known yet", providers.ErrUpstream, p.id)
	}
	return ep, nil
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
	ep, err := p.endpoints()
	if err != nil {
		return nil, err
	}
	sp := p.spFor(ep, md)
	sp.ReplayCache = p.replayFor(ctx)
	return sp, nil
}

// spFor is the library's SP over the IdP metadata md (nil for what needs
// none: the SP metadata).
func (p *Provider) spFor(ep *endpoints, md *crewsaml.EntityDescriptor) *crewsaml.ServiceProvider {
	var more []*rsa.PrivateKey
	for _, k := range p.keys[1:] {
		more = append(more, k.key)
	}
	return &crewsaml.ServiceProvider{
		EntityID:              ep.entityID,
		Key:                   p.keys[0].key,
		Certificate:           p.keys[0].cert,
		EncryptionKey:         p.keys[0].key,
		EncryptionCertificate: p.keys[0].cert,
		DecryptionKeys:        more,
		MetadataURL:           ep.metadataURL,
		AcsURL:                ep.acs,
		SloURL:                ep.slo,
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
		RejectSHA1Signatures:             true,
		RejectUnknownConditions:          true,
		LimitRelayStateLength:            true,
	}
}

// requestID is the AuthnRequest ID of one sign-in: derived from the
// leg's nonce (an HMAC the broker binds to the auth request and this
// provider), so it needs no storage (nothing is kept) and InResponseTo
// names exactly one auth request.
func requestID(leg providers.Leg) string { return "_" + leg.Nonce }

// LoginURL returns the IdP's SSO URL carrying a signed AuthnRequest
// (HTTP-Redirect binding, saml-bindings-2.0-os §3.4.4.1) with a
// persistent NameIDPolicy, RequestedAuthnContext Comparison="exact", and
// the ACS leg.CallbackURL; RelayState is leg.State. It keeps nothing.
func (p *Provider) LoginURL(ctx context.Context, leg providers.Leg, opts providers.LoginOptions) (string, []byte, error) {
	if leg.State == "" || leg.Nonce == "" {
		return "", nil, fmt.Errorf("provider %s: leg without state or nonce", p.id)
	}
	sp, err := p.serviceProvider(ctx)
	if err != nil {
		return "", nil, err
	}
	if leg.CallbackURL != sp.AcsURL.String() {
		return "", nil, fmt.Errorf("provider %s: leg callback %q is not the ACS %q of the SP metadata", p.id, leg.CallbackURL, sp.AcsURL.String())
	}
	if opts.ForceLogin {
		force := true
		sp.ForceAuthn = &force
	}
	if ask := p.cfg.levelsFor(opts.ACR); len(ask) > 0 {
		// Only the levels that meet the sign-in's; the callback's SP
		// accepts every configured level, and the broker refuses one
		// below the sign-in's (providers.AssuranceProvider).
		sp.RequestedAuthnContext = &crewsaml.RequestedAuthnContext{Comparison: "exact", AuthnContextClassRefs: ask}
	}
	dest := sp.GetSSOBindingLocation(crewsaml.HTTPRedirectBinding)
	if dest == "" {
		return "", nil, fmt.Errorf("%w: provider %s: the IdP metadata has no HTTP-Redirect SSO endpoint", providers.ErrUpstream, p.id)
	}
	req, err := sp.MakeAuthenticationRequest(dest, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", nil, fmt.Errorf("%w: provider %s: AuthnRequest: %w", providers.ErrUpstream, p.id, err)
	}
	req.ID = requestID(leg)
	u, err := req.Redirect(leg.State, sp)
	if err != nil {
		return "", nil, fmt.Errorf("%w: provider %s: AuthnRequest: %w", providers.ErrUpstream, p.id, err)
	}
	return u.String(), nil, nil
}

var _ providers.AssuranceProvider = (*Provider)(nil)

// Assures reports whether a configured level maps to one of acrs.
func (p *Provider) Assures(acrs []string) bool { return len(p.cfg.levelsFor(acrs)) > 0 }

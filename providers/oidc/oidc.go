package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
)

var (
	_ providers.CallbackProvider = (*Provider)(nil)
	_ providers.LogoutProvider   = (*Provider)(nil)
	_ providers.RouteProvider    = (*Provider)(nil)
)

// defaultTimeout bounds every upstream request when Open is given no
// client, so a hung upstream cannot hold a sign-in forever.
const defaultTimeout = 10 * time.Second

// Provider signs people in at one upstream OpenID Connect provider with the
// authorization code flow and PKCE.
type Provider struct {
	id     string
	cfg    Config
	client *http.Client
	logger *slog.Logger

	mu       sync.Mutex
	upstream *upstream // nil until discovery succeeds

	// logout is what RP-initiated logout upstream needs (logout.go).
	logout logoutState
}

// upstream is what discovery yields, cached for the life of the Provider.
type upstream struct {
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	oauth2   oauth2.Config // without RedirectURL, which is per call
	// issParameter: the upstream puts iss in its authorization responses
	// (RFC 9207 §3), so a response without it is refused.
	issParameter bool
	// endSession is the upstream's end_session_endpoint ("": none).
	endSession string
}

// Open checks cfg and returns the provider named id. It does not contact
// the upstream: discovery happens on the first sign-in, so an upstream that
// is down when Passerelle starts does not stop it. client carries every
// upstream request (nil means a client with a 10-second timeout); logger
// nil means slog.Default().
func Open(id string, cfg Config, client *http.Client, logger *slog.Logger) (*Provider, error) {
	var ps validate.Problems
	cfg.Validate(&ps, "providers."+id)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if client == nil {
		client = providers.NewHTTPClient(defaultTimeout)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Provider{
		id:     id,
		cfg:    cfg.withDefaults(),
		client: client,
		logger: logger.With(slog.String("provider", id)),
	}, nil
}

// discover returns the cached discovery result, fetching it when there is
// none yet. A failure is not cached, so the next sign-in tries again.
// Concurrent first sign-ins may each fetch; the first success is kept.
func (p *Provider) discover(ctx context.Context) (*upstream, error) {
	p.mu.Lock()
	up := p.upstream
	p.mu.Unlock()
	if up != nil {
		return up, nil
	}

	// go-oidc keeps the client from this context for its key set, so JWKS
	// fetches later on use p.client too.
	gp, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: provider %s: discovery at %s: %w", providers.ErrUpstream, p.id, p.cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods  []string `json:"token_endpoint_auth_methods_supported"`
		IssParameter bool     `json:"authorization_response_iss_parameter_supported"`
		EndSession   string   `json:"end_session_endpoint"`
	}
	if err := gp.Claims(&meta); err != nil {
		return nil, fmt.Errorf("%w: provider %s: discovery document: %w", providers.ErrUpstream, p.id, err)
	}
	endpoint := gp.Endpoint()
	endpoint.AuthStyle = authStyle(meta.AuthMethods)
	up = &upstream{
		provider:     gp,
		verifier:     gp.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}),
		issParameter: meta.IssParameter,
		endSession:   meta.EndSession,
		oauth2: oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: p.cfg.ClientSecret,
			Endpoint:     endpoint,
			Scopes:       p.cfg.Scopes,
		},
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.upstream == nil {
		p.upstream = up
		p.logger.Info("upstream discovered", slog.String("issuer", p.cfg.Issuer))
	}
	return p.upstream, nil
}

// authStyle picks how to present the client secret at the token endpoint
// from the upstream's advertised methods. client_secret_basic is the
// default when the upstream lists nothing (OpenID Connect Discovery 1.0 §3).
func authStyle(methods []string) oauth2.AuthStyle {
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader
	}
	if slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// LoginURL returns the upstream authorization URL for leg. The request
// carries only what the code flow needs (response_type, client_id,
// redirect_uri, scope, state, nonce, code_challenge and
// code_challenge_method=S256) plus prompt=login and ui_locales when opts
// ask for them: nothing about the relying party reaches the upstream.
// Nothing is kept: the leg's derived values are all the callback needs.
func (p *Provider) LoginURL(ctx context.Context, leg providers.Leg, opts providers.LoginOptions) (string, []byte, error) {
	if err := checkLeg(leg); err != nil {
		return "", nil, fmt.Errorf("provider %s: %w", p.id, err)
	}
	up, err := p.discover(ctx)
	if err != nil {
		return "", nil, err
	}
	cfg := up.oauth2
	cfg.RedirectURL = leg.CallbackURL
	params := []oauth2.AuthCodeOption{
		gooidc.Nonce(leg.Nonce),
		oauth2.S256ChallengeOption(leg.Verifier),
	}
	if opts.ForceLogin {
		params = append(params, oauth2.SetAuthURLParam("prompt", "login"))
	}
	if opts.Locale != "" {
		params = append(params, oauth2.SetAuthURLParam("ui_locales", opts.Locale))
	}
	if ask := p.askFor(opts.ACR); len(ask) > 0 {
		params = append(params, oauth2.SetAuthURLParam("acr_values", strings.Join(ask, " ")))
	}
	return cfg.AuthCodeURL(leg.State, params...), nil, nil
}

// checkLeg refuses a leg the broker did not fill in: an empty state or
// nonce would make the callback checks vacuous, and RFC 7636 §4.1 wants a
// code_verifier of 43 to 128 characters.
func checkLeg(l providers.Leg) error {
	switch {
	case l.CallbackURL == "":
		return errors.New("leg has no callback URL")
	case l.State == "":
		return errors.New("leg has no state")
	case l.Nonce == "":
		return errors.New("leg has no nonce")
	case len(l.Verifier) < 43 || len(l.Verifier) > 128:
		return fmt.Errorf("leg code_verifier must have 43 to 128 characters, has %d", len(l.Verifier))
	}
	return nil
}

var _ providers.AssuranceProvider = (*Provider)(nil)

// Assures reports whether acr_map maps an upstream acr to one of acrs.
func (p *Provider) Assures(acrs []string) bool { return len(p.askFor(acrs)) > 0 }

// askFor is the acr_values to send for acrs: the upstream values acr_map
// maps to one of them, in the order of acrs (lowest first: OIDC Core
// §3.1.2.1 lists acr_values in order of preference, and the lowest level
// that suffices spares the person a stronger sign-in), then by name.
func (p *Provider) askFor(acrs []string) []string {
	var out []string
	for _, want := range acrs {
		var same []string
		for up, mapped := range p.cfg.ACRMap {
			if mapped == want {
				same = append(same, up)
			}
		}
		slices.Sort(same)
		out = append(out, same...)
	}
	return out
}

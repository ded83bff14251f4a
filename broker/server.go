package broker

import (
	"context"
	"errors"
	"fmt"
	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"github.com/passerelle/passerelle/orgs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/store"
)

// Deps are what the broker is built from besides its configuration.
type Deps struct {
	Store     store.Store
	MasterKey []byte
	Issuer    string // absolute URL, no trailing slash
	Upstreams []Upstream
	UI        *ui.UI
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches client JWKS; nil means a client with a timeout.
	HTTPClient *http.Client
	// Notifier sends email codes; nil disables the email factor.
	Notifier notify.Notifier
	// Observe wraps the routed handler (metrics by route); OnEvent sees
	// every audited event. Both optional.
	Observe func(http.Handler) http.Handler
	OnEvent func(store.AuditEvent)
	// Local is the built-in credential service (nil: none): a first-party
	// password provider on the chooser under its configured ID and name,
	// with its registration and reset pages.
	Local *local.Service
	// SecureCookies: __Host- names and the Secure attribute. Only a
	// plain-HTTP loopback development setup turns it off.
	SecureCookies bool
	// RateLimit is the per-source limit on the routes where an anonymous
	// visitor makes the server store something (server.rate_limit); the
	// zero value is the default limit, measured on Now.
	RateLimit RateLimitConfig
}

// Broker is the OpenID provider and the sign-in journey behind it.
type Broker struct {
	cfg        Config
	st         store.Store
	issuer     string
	now        func() time.Time
	log        *slog.Logger
	ui         *ui.UI
	pages      pages
	secrets    secrets
	keys       *Keys
	cat        atomic.Pointer[catalog]
	stored     *storedClients // the store's clients, kept in memory
	clientKeys *clientKeys
	sessions   *sessions
	audits     auditor
	edge       protocolEdge // the OpenID provider's endpoints
	answer     clientAnswer // answers at the client's redirect URI

	sealer  *store.Sealer
	ladder  mfa.Ladder
	policy  acrPolicy
	reg     *mfa.Regulator
	steps   map[string]journey.Step // the client steps, by name
	orgs    *orgs.Service           // the rules of clients' organizations
	email   *emailotp.Sender        // the account page's address changes; nil without a notifier
	factors *mfa.Registry           // the second-factor kinds that are on (factors.go)
	// dormancy marks accounts unused past accounts.dormant_after.
	dormancy dormancy.Marker

	// firstParty are the upstreams Passerelle runs itself (the built-in
	// service), which Reload adds to the configured ones.
	firstParty []Upstream
	local      *localPages // nil: no built-in service
	signIn     signIn

	observe func(http.Handler) http.Handler
	limiter *limiter // nil: no rate limit

	backchannel *backchannel // logout tokens to clients (RunLogoutDelivery)
}

// New builds a broker. It generates the first signing keys when the store
// has none.
func New(ctx context.Context, cfg Config, d Deps) (*Broker, error) {
	cfg.SetDefaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	sealer, err := store.NewSealer(d.MasterKey)
	if err != nil {
		return nil, err
	}
	sec, err := deriveSecrets(d.MasterKey)
	if err != nil {
		return nil, err
	}
	ladder := cfg.MFA.Ladder()
	b := &Broker{
		cfg: cfg, st: d.Store, issuer: strings.TrimSuffix(d.Issuer, "/"), now: d.Now, log: d.Logger,
		ui: d.UI, pages: pages{ui: d.UI}, secrets: sec,
		sessions: &sessions{st: d.Store, log: d.Logger, now: d.Now, secure: d.SecureCookies,
			idle: cfg.Sessions.Idle, absolute: cfg.Sessions.Absolute, ladder: ladder},
		audits: auditor{st: d.Store, log: d.Logger, now: d.Now, onEvent: d.OnEvent,
			notices: Notices{Notifier: d.Notifier, Store: d.Store, Contact: cfg.Accounts.Contact, Now: d.Now, Log: d.Logger}},
		clientKeys: &clientKeys{http: d.HTTPClient, now: d.Now},
	}
	b.sealer = sealer
	b.stored = &storedClients{st: d.Store, now: d.Now, idTTL: cfg.Tokens.IDToken}
	b.backchannel = newBackchannel(d.HTTPClient, d.Now, d.Logger)
	b.backchannel.issuer, b.backchannel.audit = b.issuer, b.auditLogout
	b.observe = d.Observe
	b.limiter = newLimiter(d.RateLimit, d.Now)
	b.ladder = ladder
	b.reg = mfa.NewRegulator(d.Store, cfg.MFA.Lockout, d.Now)
	b.orgs = orgs.New(d.Store, b.orgsOf, d.Now, b.audits.record)
	b.dormancy = dormancy.Marker{St: d.Store, After: cfg.Accounts.DormantAfter, Now: d.Now, Marked: b.markedDormant}
	if d.Notifier != nil {
		b.email = emailotp.NewSender(d.Store, d.Notifier, cfg.MFA.Email, d.Now)
	}
	b.steps = b.newSteps() // after b.email: the record step sends codes
	if b.factors, err = mfa.NewRegistry(mfa.Env{Config: cfg.MFA, Store: d.Store, Sealer: sealer, Notifier: d.Notifier,
		Issuer: b.issuer, Now: d.Now, Log: d.Logger}, factorEntries...); err != nil {
		return nil, err
	}
	b.policy = acrPolicy{ladder: ladder, factors: b.factors}
	ids := identities{core: b, st: b.st, ui: b.ui}
	b.signIn = signIn{core: b, ui: b.ui, log: b.log, secrets: b.secrets, ids: ids}
	if d.Local != nil {
		lc := d.Local.Config()
		b.firstParty = []Upstream{{ID: lc.ID, Name: lc.Name, Description: lc.Description, Provider: d.Local, FirstParty: true}}
		b.local = &localPages{core: b, ui: b.ui, svc: d.Local, cfg: lc, ids: ids}
	}
	if b.keys, err = OpenKeys(ctx, d.Store, d.MasterKey, cfg, d.Now); err != nil {
		return nil, err
	}
	b.backchannel.sign = b.keys.signJWT
	if err := b.Reload(cfg.Clients, cfg.Groups, d.Upstreams); err != nil {
		return nil, err
	}
	storage := &opStorage{st: d.Store, catalog: b.catalog, keys: b.keys, clientKeys: b.clientKeys, tokens: cfg.Tokens,
		issuer: b.issuer, now: d.Now, log: d.Logger, stepClaims: b.stepClaims, orgs: b.orgs}

	opCfg := &op.Config{
		CryptoKey:                sec.accessToken,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		RequestObjectSupported:   false,
		SupportedUILocales:       uiLocales,
	}
	atc, err := newAccessTokenCrypto(sec.accessToken)
	if err != nil {
		return nil, fmt.Errorf("access token sealing: %w", err)
	}
	opts := []op.Option{op.WithCrypto(atc)}
	if u, err := url.Parse(b.issuer); err == nil && u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(opCfg, storage, op.StaticIssuer(b.issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("openid provider: %w", err)
	}
	b.answer = clientAnswer{st: d.Store, ui: d.UI, issuer: b.issuer, log: d.Logger, page: b.pages.errorPage}
	b.edge = protocolEdge{answer: b.answer, srv: newOPServer(provider, storage, d.Store, func() *clients { return b.catalog().clients }, ladder.Values(), d.Logger),
		page: b.pages.errorPage, pageLang: b.pages.lang, browserID: b.sessions.browserID, begin: b.begin, askLogout: b.askBeforeLogout, logout: b.logout,
		decoder: provider.Decoder(), issuer: b.issuer, log: d.Logger, st: d.Store}
	b.edge.srv.dpop = &dpop{st: d.Store, now: d.Now, nonceKey: sec.dpopNonce}
	return b, nil
}

// catalog is what the configuration file says of relying parties and
// credential services; Reload swaps it whole, so a request sees one
// catalog or the other, never a mix.
type catalog struct {
	clients   *clients
	upstreams map[string]Upstream
	order     []string // credential IDs in configuration order, the built-in one first
	// firstParty is the ID of the first-party password provider ("": none).
	firstParty string
	// routes are the providers' own routes (RouteProvider), by provider ID.
	routes  map[string]http.Handler
	groups  []GroupConfig
	terms   map[string]terms.Terms    // client ID → its terms of use
	orgs    map[string]*orgs.Config   // client ID → its organizations' role table
	legacy  map[string]*legacy.Config // client ID → its legacy step's settings
	records map[string]*record.Config // client ID → its record step's settings
}

func (b *Broker) catalog() *catalog { return b.cat.Load() }

// Reload replaces the configured clients, chooser groups and upstreams
// (SIGHUP). Sign-ins in progress live in the store and go on; one whose
// client or provider was removed ends with the error page at its next
// step. The configuration must have been validated.
func (b *Broker) Reload(clients []ClientConfig, groups []GroupConfig, ups []Upstream) error {
	cs, err := newClients(clients, b.stored, b.now(), b.cfg.Tokens.IDToken)
	if err != nil {
		return err
	}
	ts, err := loadTerms(clients)
	if err != nil {
		return err
	}
	if err := loadRegisters(clients); err != nil {
		return err
	}
	c := &catalog{clients: cs, upstreams: map[string]Upstream{}, groups: groups, terms: ts, orgs: orgsOf(clients),
		routes: map[string]http.Handler{}, legacy: map[string]*legacy.Config{}, records: map[string]*record.Config{}}
	for _, cl := range clients {
		c.legacy[cl.ID], c.records[cl.ID] = cl.Legacy, cl.Records
	}
	for _, u := range append(slices.Clone(b.firstParty), ups...) {
		if _, dup := c.upstreams[u.ID]; dup {
			return fmt.Errorf("provider %s: configured twice", u.ID)
		}
		if u.FirstParty {
			if c.firstParty != "" {
				return fmt.Errorf("provider %s: a second first-party provider (%s is one)", u.ID, c.firstParty)
			}
			c.firstParty = u.ID
		}
		c.upstreams[u.ID] = u
		c.order = append(c.order, u.ID)
		if rp, ok := u.Provider.(providers.RouteProvider); ok {
			c.routes[u.ID] = rp.Handler(providerURLs(b.issuer, u.ID))
		}
		if lp, ok := u.Provider.(providers.LogoutProvider); ok {
			lp.SetLogoutHost(b.logoutHost(u.ID))
		}
		if ur, ok := u.Provider.(upstreamReplay); ok {
			ur.SetReplayStore(b.st)
		}
	}
	b.cat.Store(c)
	return nil
}

// Notices is how the broker emails an account's owner, for the admin
// API's changes to tell them too.
func (b *Broker) Notices() Notices { return b.audits.notices }

// Keys gives the CLI access to key listing and rotation.
func (b *Broker) Keys() *Keys { return b.keys }

// issuerURL is an absolute URL under the issuer.
func (b *Broker) issuerURL(path string) string { return b.issuer + path }

// Handler is the whole HTTP surface of the broker.
func (b *Broker) Handler() http.Handler {
	mux := http.NewServeMux()
	rt := routes{mux: mux, limiter: b.limiter, log: b.log, page: b.pages.errorPage, body: formBody}
	b.edge.Mount(rt)
	rt.HandleFunc("GET /login/{id}", b.login)
	rt.HandleFunc("POST /login/{id}/extend", b.extend)
	b.signIn.Mount(rt)
	b.signIn.ids.Mount(rt)
	passwordPages{core: b, st: b.st, ui: b.ui, reg: b.reg, ids: b.signIn.ids, firstPartyPages: b.local != nil}.Mount(rt)
	if b.local != nil {
		b.local.Mount(rt)
	}
	b.mfaPages().Mount(rt)
	b.securityPage().Mount(rt)
	accountPage{core: b, st: b.st, ui: b.ui, email: b.email, reg: b.reg}.Mount(rt)
	orgPages{core: b, svc: b.orgs, reg: b.reg, ui: b.ui}.Mount(rt)
	for _, s := range b.steps {
		s.Mount(rt, stepHost{b})
	}
	rt.Handle("GET /static/webauthn.js", webauthnScript())
	rt.Handle("GET /static/", b.plainErrorsAsPages(http.StripPrefix("/static/", b.ui.Static())))
	rt.Handle("GET /lang", b.ui.LanguageHandler())
	rt.HandleFunc("GET /logged-out", b.pages.loggedOut)
	rt.HandleFunc("GET /{$}", b.pages.home)
	rt.HandleFunc("GET /readyz", b.ready)
	h := b.withPages(mux)
	if b.observe != nil {
		h = b.observe(h)
	}
	return withRequestID(ui.SecurityHeaders(h, b.sessions.secure))
}

// ready answers whether this replica can serve: the store answers within
// two seconds. A load balancer stops sending traffic while it is not.
func (b *Broker) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := b.st.Ping(ctx); err != nil {
		b.log.WarnContext(r.Context(), "not ready: the store does not answer", "error", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// RunLogoutDelivery sends the logout tokens of ended sessions to their
// clients, with retries, until ctx ends (backchannel.go).
func (b *Broker) RunLogoutDelivery(ctx context.Context) { b.backchannel.Run(ctx) }

// RunSweeper deletes expired records every interval until ctx ends, and
// marks a bounded page of idle accounts dormant each time (a pass over
// every account takes as many intervals as there are pages).
func (b *Broker) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	cursor := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cursor = b.Sweep(ctx, cursor)
		}
	}
}

// Sweep deletes expired records, then marks dormant the idle accounts of
// one bounded page after cursor (broker/dormancy) and returns the cursor
// of the next page ("" when the pass over every account is done).
// Failures are logged.
func (b *Broker) Sweep(ctx context.Context, cursor string) string {
	n, err := b.st.Sweep(ctx, b.now())
	if err != nil && !errors.Is(err, context.Canceled) {
		b.log.Error("sweep expired records", "error", err)
	} else if n > 0 {
		b.log.Debug("swept expired records", "count", n)
	}
	return b.sweepDormant(ctx, cursor)
}

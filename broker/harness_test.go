package broker_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// env is a broker on httptest with real upstream OpenID providers (demoidp)
// on their own httptest servers, a real bbolt file, and a clock the test
// moves. The upstreams are gckey and two banks, bank-a and bank-b, in the
// Sign-In Partner group "partners"; the banks overshare (email and name
// whatever the scope).
type env struct {
	t        testing.TB
	ups      []broker.Upstream
	outbox   *mailbox            // emails received by the test SMTP relay
	totp     map[string]string   // upstream/user → TOTP secret enrolled at the first sign-in
	recovery map[string][]string // upstream/user → recovery codes shown at enrolment
	issuer   string
	broker   *broker.Broker
	store    store.Store
	dbPath   string // the bbolt file behind store
	clock    *clock
	upstream map[string]*upstreamServer
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// upstreamServer records the authorization and logout requests it
// receives, for the privacy and logout checks.
type upstreamServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func (u *upstreamServer) requests() []*http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*http.Request(nil), u.seen...)
}

const rpSecret = "rp-secret-0123456789abcdef"

// Relying parties of the test configuration. rp1 and rp2 sit in
// different sectors; rp3 shares rp1's sector; public is a public client.
var testClients = []broker.ClientConfig{
	{Client: store.Client{ID: "rp1", Secret: rpSecret, Name: map[string]string{"en": "Portal One", "fr": "Portail un"},
		RedirectURIs: []string{"https://rp1.example/cb"}, PostLogoutRedirectURIs: []string{"https://rp1.example/bye"}}},
	{Client: store.Client{ID: "rp2", Secret: rpSecret, Name: map[string]string{"en": "Portal Two", "fr": "Portail deux"},
		RedirectURIs: []string{"https://rp2.example/cb"}, AuthMethod: "client_secret_post"}},
	{Client: store.Client{ID: "rp3", Secret: rpSecret, Name: map[string]string{"en": "Portal Three", "fr": "Portail trois"},
		RedirectURIs: []string{"https://rp1.example/other"}, IDTokenAlg: "RS256", RevealProvider: true,
		AllowedProviders: []string{"bank-a"}}},
	{Client: store.Client{ID: "jwt-rp", Name: map[string]string{"en": "JWT app", "fr": "Appli JWT"}, AuthMethod: "private_key_jwt",
		JWKS: jwtClientJWKS, RedirectURIs: []string{"https://jwt.example/cb"}}},
	{Client: store.Client{ID: "public", Name: map[string]string{"en": "Public app", "fr": "Appli publique"},
		RedirectURIs: []string{"http://127.0.0.1:9/cb"}, AuthMethod: "none"}},
}

func newEnv(t testing.TB) *env { return newEnvWith(t, demoidp.Faults{}) }

// newEnvWith builds the environment with faults in the gckey upstream and
// changes to the broker's configuration.
func newEnvWith(t testing.TB, faults demoidp.Faults, mods ...func(*broker.Config)) *env {
	t.Helper()
	return newEnvOpts(t, envOptions{faults: faults, rateLimit: testRateLimit, mods: mods})
}

// newEnvStore is newEnvWith with the broker's store wrapped by wrap (nil:
// the bbolt store itself); e.store stays the bbolt store.
func newEnvStore(t testing.TB, faults demoidp.Faults, wrap func(store.Store) store.Store, mods ...func(*broker.Config)) *env {
	t.Helper()
	return newEnvOpts(t, envOptions{faults: faults, rateLimit: testRateLimit, wrap: wrap, mods: mods})
}

// testRateLimit is the harness's per-source limit: every test request
// comes from 127.0.0.1 on a clock that moves only when the test says, so
// the limit is set far above what any test sends; TestAttack tests set
// their own.
var testRateLimit = broker.RateLimitConfig{PerSecond: 1000, Burst: 10000}

// newEnvLimited is newEnvWith with the per-source rate limit rl.
func newEnvLimited(t testing.TB, faults demoidp.Faults, rl broker.RateLimitConfig, mods ...func(*broker.Config)) *env {
	t.Helper()
	return newEnvOpts(t, envOptions{faults: faults, rateLimit: rl, mods: mods})
}

// envOptions are the harness's knobs: faults in the gckey upstream, the
// per-source rate limit, a wrapper of the broker's store (nil: the bbolt
// store itself; e.store stays the bbolt store), changes to the broker's
// configuration.
type envOptions struct {
	faults    demoidp.Faults
	rateLimit broker.RateLimitConfig
	wrap      func(store.Store) store.Store
	mods      []func(*broker.Config)
	// extra are more upstreams, given the broker's issuer (saml_test.go).
	extra func(issuer string) []broker.Upstream
	// upstreamLogout configures gckey for logout (oidc.Config.Logout).
	upstreamLogout bool
	// maxAuthRequests bounds the sign-ins in progress the bbolt store
	// holds (bolt.Options.MaxAuthRequests; 0: its default).
	maxAuthRequests int
}

func newEnvOpts(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Now()}, upstream: map[string]*upstreamServer{},
		totp: map[string]string{}, recovery: map[string][]string{}, outbox: &mailbox{}}
	srv := httptest.NewUnstartedServer(nil)
	e.issuer = "http://" + srv.Listener.Addr().String()
	var ups []broker.Upstream
	for _, u := range []struct{ id, group string }{{"gckey", ""}, {"bank-a", "partners"}, {"bank-b", "partners"}} {
		us := &upstreamServer{}
		us.srv = httptest.NewUnstartedServer(nil)
		upIssuer := "http://" + us.srv.Listener.Addr().String() + "/" + u.id
		cfg := demoidp.Config{
			Issuer: upIssuer, Name: map[string]string{"en": u.id, "fr": u.id},
			ClientID: "passerelle", ClientSecret: "upstream-secret",
			RedirectURIs: []string{e.issuer + "/callback/" + u.id}, ACR: "urn:gc-ca:cyber-auth:assurance:loa2",
			PostLogoutRedirectURIs: []string{e.issuer + "/providers/" + u.id + "/logged-out"},
			Users: []demoidp.User{{Username: "alex", Password: "pw", Email: "alex@example.org", GivenName: "Alex", FamilyName: "T"},
				{Username: "sam", Password: "pw", Email: "sam@example.org"},
				{Username: "pat", Password: "pw", Email: "pat@example.org", ACR: provenACR}}, // a proven identity (assurance_test.go)
			Now: e.clock.Now,
		}
		if u.id == "gckey" {
			cfg.Faults = o.faults
		}
		// The banks send email and name whatever they are asked, so the
		// privacy tests (attack_privacy_test.go) see Passerelle withhold
		// what an upstream gives; gckey answers the scope, openid.
		cfg.Faults.Overshare = u.group == "partners"
		idp, err := demoidp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		us.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (strings.HasSuffix(r.URL.Path, "/authorize") || strings.HasSuffix(r.URL.Path, "/end_session")) && r.Method == http.MethodGet {
				us.mu.Lock()
				us.seen = append(us.seen, r.Clone(context.Background()))
				us.mu.Unlock()
			}
			idp.ServeHTTP(w, r)
		})
		us.srv.Start()
		t.Cleanup(us.srv.Close)
		e.upstream[u.id] = us
		p, err := oidc.Open(u.id, oidc.Config{Issuer: upIssuer, ClientID: "passerelle", ClientSecret: "upstream-secret",
			Logout: o.upstreamLogout && u.id == "gckey"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ups = append(ups, broker.Upstream{ID: u.id, Name: map[string]string{"en": u.id + " EN", "fr": u.id + " FR"}, Group: u.group, Provider: p})
	}
	if o.extra != nil {
		ups = append(ups, o.extra(e.issuer)...)
	}
	e.dbPath = t.TempDir() + "/p.db"
	st, err := bolt.Open(e.dbPath, bolt.Options{Now: e.clock.Now, MaxAuthRequests: o.maxAuthRequests})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	pages, err := ui.New(ui.Config{}, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := broker.Config{Clients: append([]broker.ClientConfig(nil), testClients...),
		Groups: []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}}
	for _, m := range o.mods {
		m(&cfg)
	}
	cfg.SetDefaults()
	key := make([]byte, 32)
	rand.Read(key)
	var brokerStore store.Store = st
	if o.wrap != nil {
		brokerStore = o.wrap(st)
	}
	relay := startRelay(t, e.outbox)
	codes := emailotp.NewSender(st, relay, cfg.MFA.Email, e.clock.Now)
	svc, err := local.New(local.Config{ID: "local", Name: map[string]string{"en": "GCKey", "fr": "CléGC"},
		Password: local.PasswordConfig{Forbidden: "<>"}}, st, codes, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(context.Background(), cfg, broker.Deps{Local: svc,
		Store: brokerStore, MasterKey: key, Issuer: e.issuer, Upstreams: ups, UI: pages, Now: e.clock.Now, Notifier: relay,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: o.rateLimit,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.broker = b
	e.ups = ups
	srv.Config.Handler = b.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// rp is a relying party built on coreos/go-oidc and x/oauth2.
type rp struct {
	e        *env
	cfg      oauth2.Config
	verifier *gooidc.IDTokenVerifier
	provider *gooidc.Provider
	http     *http.Client
}

func (e *env) rp(id string) *rp {
	e.t.Helper()
	ctx := context.Background()
	p, err := gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		e.t.Fatal(err)
	}
	var redirect, secret string
	for _, c := range testClients {
		if c.ID == id {
			redirect, secret = c.RedirectURIs[0], c.Secret
		}
	}
	style := oauth2.AuthStyleInHeader
	if id == "rp2" || id == "public" {
		style = oauth2.AuthStyleInParams
	}
	ep := p.Endpoint()
	ep.AuthStyle = style
	return &rp{e: e, provider: p, http: http.DefaultClient,
		cfg:      oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: ep, Scopes: []string{"openid", "profile", "email", "offline_access"}},
		verifier: p.Verifier(&gooidc.Config{ClientID: id, SupportedSigningAlgs: []string{"ES256", "RS256", "EdDSA"}})}
}

// authorization is one started authorization request.
type authorization struct {
	url, state, nonce, verifier string
}

func (r *rp) start(extra ...oauth2.AuthCodeOption) authorization {
	a := authorization{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{gooidc.Nonce(a.nonce), oauth2.S256ChallengeOption(a.verifier)}, extra...)
	a.url = r.cfg.AuthCodeURL(a.state, opts...)
	return a
}

// callback reads the redirect that reached the relying party.
func (r *rp) callback(p page, a authorization) url.Values {
	r.e.t.Helper()
	if p.Resp.StatusCode != http.StatusSeeOther && p.Resp.StatusCode != http.StatusFound {
		r.e.t.Fatalf("expected a redirect to the relying party, got %d at %s: %.600s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	loc, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), r.cfg.RedirectURL) {
		r.e.t.Fatalf("redirect to %q, want %s", p.Resp.Header.Get("Location"), r.cfg.RedirectURL)
	}
	q := loc.Query()
	if q.Get("state") != a.state {
		r.e.t.Fatalf("state %q, want %q", q.Get("state"), a.state)
	}
	if q.Get("iss") != r.e.issuer {
		r.e.t.Fatalf("iss %q, want %q", q.Get("iss"), r.e.issuer)
	}
	return q
}

type tokens struct {
	*oauth2.Token
	idToken *gooidc.IDToken
	raw     string
	claims  map[string]any
}

func (r *rp) exchange(code string, a authorization) (tokens, error) {
	tok, err := r.cfg.Exchange(context.Background(), code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		return tokens{}, err
	}
	return r.verify(tok, a.nonce)
}

func (r *rp) verify(tok *oauth2.Token, nonce string) (tokens, error) {
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		return tokens{}, err
	}
	if nonce != "" && idt.Nonce != nonce {
		r.e.t.Fatalf("nonce %q, want %q", idt.Nonce, nonce)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return tokens{}, err
	}
	return tokens{Token: tok, idToken: idt, raw: raw, claims: claims}, nil
}

// signIn runs a whole sign-in through upstream with user and returns the
// tokens.
func (e *env) signIn(r *rp, b *browser, upstream, user string, extra ...oauth2.AuthCodeOption) tokens {
	e.t.Helper()
	q, a := e.authorize(r, b, upstream, user, extra...)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// authorize runs a whole sign-in through upstream with user, up to the
// answer at the relying party's redirect URI.
func (e *env) authorize(r *rp, b *browser, upstream, user string, extra ...oauth2.AuthCodeOption) (url.Values, authorization) {
	e.t.Helper()
	a := r.start(extra...)
	p := b.Get(a.url)
	if strings.Contains(p.Resp.Request.URL.Path, "/login/") && p.Resp.StatusCode == http.StatusOK {
		p = b.choose(p, groupOf(upstream))
		if groupOf(upstream) != upstream {
			p = b.choose(p, upstream)
		}
	}
	if p.Resp.StatusCode == http.StatusOK {
		p = b.upstreamLogin(p, user)
	}
	return r.callback(p, a), a
}

func groupOf(upstream string) string {
	if strings.HasPrefix(upstream, "bank-") {
		return "partners"
	}
	return upstream
}

func randomString() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func s256(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func decodeSeg(t testing.TB, s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/metrics"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/local"
	"github.com/passerelle/passerelle/providers/registry"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
	"github.com/passerelle/passerelle/store/postgres"
)

// openStore opens the configured backend (a PostgreSQL schema is
// migrated on open).
func openStore(ctx context.Context, cfg *Config) (store.Store, error) {
	if cfg.Store.Driver == "postgres" {
		pg := cfg.Store.Postgres
		return postgres.Open(ctx, pg.DSN, postgres.Options{QueryTimeout: pg.QueryTimeout, MaxConns: pg.MaxConns,
			Retention: cfg.Store.Retention})
	}
	return bolt.Open(cfg.Store.Bolt.Path, bolt.Options{Retention: cfg.Store.Retention})
}

// build opens the store and assembles the broker from a validated
// configuration. notifier sends email codes; nil means the configured
// SMTP relay, if any. What needs no store is set up first, so a fault
// there neither opens the store nor has to close it.
func build(ctx context.Context, cfg *Config, logger *slog.Logger, notifier notify.Notifier, m *metrics.Metrics) (*broker.Broker, store.Store, error) {
	key, err := cfg.masterKey()
	if err != nil {
		return nil, nil, err
	}
	secure := !isPlainLoopback(cfg.Server.Issuer)
	pages, err := ui.New(cfg.UI, secure)
	if err != nil {
		return nil, nil, err
	}
	pages.Logger = logger
	httpClient := providers.NewHTTPClient(10 * time.Second)
	ups, err := openUpstreams(cfg, httpClient, logger)
	if err != nil {
		return nil, nil, err
	}
	if notifier == nil && cfg.Email.SMTP.Host != "" {
		if notifier, err = notify.NewSMTP(cfg.Email.SMTP); err != nil {
			return nil, nil, err
		}
	}
	if cfg.Local != nil && notifier == nil {
		return nil, nil, fmt.Errorf("local: the built-in credential service needs email.smtp.host (registrations are confirmed by an emailed code)")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	b, err := assemble(ctx, cfg, st, broker.Deps{MasterKey: key, Issuer: cfg.Server.Issuer, Upstreams: ups, UI: pages,
		Logger: logger, HTTPClient: httpClient, SecureCookies: secure, Notifier: notifier, RateLimit: cfg.Server.RateLimit}, m)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return b, st, nil
}

// assemble builds the built-in credential service, if configured, and the
// broker over the open store st.
func assemble(ctx context.Context, cfg *Config, st store.Store, deps broker.Deps, m *metrics.Metrics) (*broker.Broker, error) {
	if cfg.Local != nil {
		codes := emailotp.NewSender(st, deps.Notifier, cfg.Broker.MFA.Email, time.Now)
		svc, err := local.New(*cfg.Local, st, codes, time.Now)
		if err != nil {
			return nil, err
		}
		deps.Local = svc
	}
	deps.Store = st
	if m != nil {
		deps.Store, deps.Observe, deps.OnEvent = m.Store(st), m.Middleware, m.Event
	}
	return broker.New(ctx, cfg.Broker, deps)
}

// isPlainLoopback is true for an http:// issuer on loopback: the only
// setup where cookies go without Secure and the __Host- prefix.
func isPlainLoopback(issuer string) bool {
	u, err := url.Parse(issuer)
	return err == nil && u.Scheme == "http" && validate.IsLoopback(u.Hostname())
}

func serve(ctx context.Context, cfgPath string, logger *slog.Logger, stdout io.Writer) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	if _, err := cfg.masterKey(); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	for _, n := range cfg.notes() {
		logger.Warn("configuration note", "note", n)
	}
	var m *metrics.Metrics
	if cfg.Server.MetricsListen != "" {
		m = metrics.New()
	}
	b, st, err := build(ctx, cfg, logger, nil, m)
	if err != nil {
		return err
	}
	defer st.Close()
	go reloadOnHangup(ctx, cfgPath, b, logger)
	ln, err := listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	h, err := handler(cfg, b, st, logger)
	if err != nil {
		return err
	}
	if m != nil {
		mln, err := listen("tcp", cfg.Server.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (server.metrics_listen): %w", cfg.Server.MetricsListen, err)
		}
		fmt.Fprintf(stdout, "passerelle: metrics on http://%s/metrics\n", mln.Addr())
		go serveMetrics(ctx, mln, m, logger)
	}
	fmt.Fprintf(stdout, "passerelle: serving %s on %s\n", cfg.Server.Issuer, ln.Addr())
	return runServer(ctx, b, h, ln, cfg.Server.TLSCertFile, cfg.Server.TLSKeyFile, logger)
}

// serveMetrics serves /metrics on the management listener ln until ctx
// ends. The public listener never serves it: what it says (routes, error
// rates, sign-ins by provider, the process) is for operators.
func serveMetrics(ctx context.Context, ln net.Listener, m *metrics.Metrics, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("metrics listener stopped", "error", err)
	}
}

// handler is the broker and the admin API under /admin/ when a token is
// configured.
func handler(cfg *Config, b *broker.Broker, st store.Store, logger *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/", b.Handler())
	if !cfg.Admin.Enabled() {
		return mux, nil
	}
	token, err := cfg.Admin.ResolveToken()
	if err != nil {
		return nil, err // already says "admin: ..."
	}
	svc := admin.New(st, b.Keys(), cfg.Broker.MFA.Lockout, cfg.Broker.ClientRules(cfg.providerIDs()), cfg.Broker.Clients, time.Now,
		admin.WithLogger(logger), admin.WithNotices(b.Notices()), admin.WithClientsChanged(b.ClientsChanged))
	mux.Handle("/admin/", svc.Handler(token))
	return mux, nil
}

// reloadOnHangup rereads clients, chooser groups and upstream providers
// from the configuration file at each SIGHUP. A file with problems is
// refused whole (every problem logged) and the running configuration
// stays; sign-ins in progress are not dropped either way.
func reloadOnHangup(ctx context.Context, cfgPath string, b *broker.Broker, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if err := reload(cfgPath, b, logger); err != nil {
			logger.Error("configuration not reloaded", "file", cfgPath, "error", err)
			continue
		}
		logger.Info("configuration reloaded", "file", cfgPath)
	}
}

func reload(cfgPath string, b *broker.Broker, logger *slog.Logger) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	ups, err := openUpstreams(cfg, &http.Client{Timeout: 10 * time.Second}, logger)
	if err != nil {
		return err
	}
	return b.Reload(cfg.Broker.Clients, cfg.Broker.Groups, ups)
}

// openUpstreams opens the configured upstream providers as the broker
// takes them, at start-up and at each reload.
func openUpstreams(cfg *Config, client *http.Client, logger *slog.Logger) ([]broker.Upstream, error) {
	opened, err := registry.Open(cfg.Providers, client, logger)
	if err != nil {
		return nil, err
	}
	ups := make([]broker.Upstream, 0, len(opened))
	for _, o := range opened {
		ups = append(ups, broker.Upstream{ID: o.ID, Name: o.Name, Group: o.Group, Description: o.Description, Logo: o.Logo, ReleaseClaims: o.ReleaseClaims,
			RefreshClaims: o.RefreshClaims, Provider: o.Provider})
	}
	return ups, nil
}

// runServer serves until ctx ends, then drains in-flight requests.
func runServer(ctx context.Context, b *broker.Broker, h http.Handler, ln net.Listener, certFile, keyFile string, logger *slog.Logger) error {
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	sweepCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b.RunSweeper(sweepCtx, time.Minute)
	go b.RunLogoutDelivery(sweepCtx)
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listen opens the server's listeners: net.Listen, which the tests
// replace to hand over sockets they opened on port 0 and kept open, so
// no other program can take the port between choosing it and serving.
var listen = net.Listen

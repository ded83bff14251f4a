package loadgen

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/pprof"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/store"
)

// Broker is an in-process broker serving on a loopback port, with the
// demo upstream its people sign in at: the benchmarks' Passerelle when
// they profile it from their own process.
type Broker struct {
	Issuer string
	srv    *http.Server
	up     *Upstream
}

// StartBroker serves a broker on st for the people of pp, on the clock
// clk (which the people move on when they run out of TOTP steps), with
// RPHost's client ClientID and the demo upstream, started here on the
// clock upstreamNow (nil: time.Now). Every worker is 127.0.0.1: the
// per-source limit is raised, not turned off, so its cost stays in the
// figures. The broker's goroutines carry the profile label part=broker.
func StartBroker(st store.Store, pp *People, clk *Clock, upstreamNow func() time.Time) (*Broker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Broker{Issuer: "http://" + ln.Addr().String()}
	h, err := b.handler(st, pp, clk, upstreamNow)
	if err != nil {
		ln.Close()
		if b.up != nil {
			b.up.Close()
		}
		return nil, err
	}
	b.srv = &http.Server{Handler: h}
	go pprof.Do(context.Background(), pprof.Labels("part", "broker"), func(context.Context) { _ = b.srv.Serve(ln) })
	return b, nil
}

// handler starts the upstream and builds the broker.
func (b *Broker) handler(st store.Store, pp *People, clk *Clock, upstreamNow func() time.Time) (http.Handler, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	up, err := StartUpstream(b.Issuer, pp, upstreamNow)
	if err != nil {
		return nil, err
	}
	b.up = up
	p, err := oidc.Open(UpstreamID, oidc.Config{Issuer: up.Issuer, ClientID: UpstreamClientID, ClientSecret: UpstreamSecret}, nil, quiet)
	if err != nil {
		return nil, err
	}
	pages, err := ui.New(ui.Config{}, false)
	if err != nil {
		return nil, err
	}
	cfg := broker.Config{Clients: []broker.ClientConfig{{Client: store.Client{ID: ClientID, Secret: ClientSecret,
		Name: map[string]string{"en": "Bench", "fr": "Banc"}, RedirectURIs: []string{"https://" + RPHost + "/cb"}}}}}
	cfg.SetDefaults()
	key := make([]byte, store.MasterKeySize)
	rand.Read(key)
	br, err := broker.New(context.Background(), cfg, broker.Deps{Store: st, MasterKey: key, Issuer: b.Issuer, UI: pages, Now: clk.Now,
		Upstreams: []broker.Upstream{{ID: UpstreamID, Name: map[string]string{"en": "Up", "fr": "Amont"}, Provider: p}}, Logger: quiet,
		RateLimit: broker.RateLimitConfig{PerSecond: 1e6, Burst: 1e6}})
	if err != nil {
		return nil, err
	}
	return br.Handler(), nil
}

// Close stops the broker and its upstream.
func (b *Broker) Close() error {
	err := b.srv.Close()
	b.up.Close()
	return err
}

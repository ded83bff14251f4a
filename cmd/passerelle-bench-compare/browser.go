package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/loadgen"
)

// target is one OpenID provider under load, as the load generator sees it.
type target struct {
	name       string
	oauth      *oauth2.Config
	introspect string       // introspection endpoint
	http       *http.Client // the relying party's
	// signIn is one complete code flow with PKCE in a fresh browser,
	// ending with the token exchange.
	signIn func(ctx context.Context) (*oauth2.Token, error)
}

// newTransport is the one HTTP transport of the load generator: enough
// idle connections for every worker, and "localhost" dialled as
// 127.0.0.1 so both providers are reached over the same IPv4 loopback;
// with h, its connections' requests are timed (hops).
func newTransport(workers int, h *hops) *loadgen.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &loadgen.Transport{
		MaxIdlePerHost: 4 * workers,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, port, err := net.SplitHostPort(addr); err == nil && host == "localhost" {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil || h == nil {
				return nc, err
			}
			return h.conn(nc, addr), nil
		},
	}
}

// discover reads the endpoints of the provider at issuer.
func discover(c *http.Client, issuer string) (auth, token, introspect string, err error) {
	resp, err := c.Get(strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		return "", "", "", err
	}
	defer resp.Body.Close()
	var d struct {
		Auth       string `json:"authorization_endpoint"`
		Token      string `json:"token_endpoint"`
		Introspect string `json:"introspection_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return "", "", "", fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	return d.Auth, d.Token, d.Introspect, nil
}

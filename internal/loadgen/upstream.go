package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime/pprof"
	"time"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// The demo upstream the People sign in at, as Passerelle's provider
// UpstreamID, with Passerelle as its client.
const (
	UpstreamID       = "up"
	UpstreamClientID = "passerelle"
	UpstreamSecret   = "upstream-secret"
)

// UpstreamSigningAlg signs the upstream's ID tokens: EdDSA (Ed25519),
// which costs the upstream and the broker that verifies them less CPU per
// sign-in than ES256 (BenchmarkIDTokenSigning in broker); the broker
// accepts what the upstream's discovery document announces.
const UpstreamSigningAlg = "EdDSA"

// Upstream is the demo OpenID provider holding People's upstream
// credentials, served on a loopback port.
type Upstream struct {
	Issuer string
	srv    *http.Server
}

// StartUpstream serves the demo OpenID provider at which pp sign in, for
// the broker at issuer (its callback /callback/up), on a loopback port,
// on the clock now (nil: time.Now), until Close.
func StartUpstream(issuer string, pp *People, now func() time.Time) (*Upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &Upstream{Issuer: "http://" + ln.Addr().String() + "/" + UpstreamID}
	idp, err := demoidp.New(demoidp.Config{Issuer: u.Issuer, Name: map[string]string{"en": "Up", "fr": "Amont"},
		ClientID: UpstreamClientID, ClientSecret: UpstreamSecret, RedirectURIs: []string{issuer + "/callback/" + UpstreamID},
		Users: pp.UpstreamUsers(), Now: now, SigningAlg: UpstreamSigningAlg})
	if err != nil {
		ln.Close()
		return nil, err
	}
	u.srv = &http.Server{Handler: idp}
	// Its goroutines carry the profile label part=upstream.
	go pprof.Do(context.Background(), pprof.Labels("part", "upstream"), func(context.Context) { _ = u.srv.Serve(ln) })
	return u, nil
}

// Close stops the upstream.
func (u *Upstream) Close() error { return u.srv.Close() }

// ProviderYAML is the upstream's providers[] entry in a Passerelle
// configuration file, in YAML flow style.
func (u *Upstream) ProviderYAML() string {
	return fmt.Sprintf("{id: %s, type: oidc, name: {en: Up, fr: Amont}, oidc: {issuer: %q, client_id: %s, client_secret: %s}}",
		UpstreamID, u.Issuer, UpstreamClientID, UpstreamSecret)
}

// ClientYAML is the clients[] entry of the relying party ClientID in a
// Passerelle configuration file, in YAML flow style.
func ClientYAML() string {
	return fmt.Sprintf(`{id: %s, name: {en: Bench, fr: Banc}, secret: %q, redirect_uris: ["https://%s/cb"]}`,
		ClientID, ClientSecret, RPHost)
}

package providers

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// The claims an upstream may give that Passerelle can pass on to relying
// parties, as the configuration names them (providers[].release_claims,
// clients[].upstream_claims). Each stands for a group of OpenID Connect
// claims (OpenID Connect Core 1.0 §5.1).
const (
	ClaimEmail  = "email"  // email, email_verified
	ClaimName   = "name"   // name, given_name, family_name
	ClaimLocale = "locale" // locale
)

// ReleasableClaims lists every claim a release rule may name.
var ReleasableClaims = []string{ClaimEmail, ClaimName, ClaimLocale}

// Identity is what an upstream sign-in tells Passerelle about a person.
type Identity struct {
	// Subject is the upstream's stable identifier of the person (OIDC sub).
	Subject       string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
	Locale        string
	// ACR is the upstream assurance, already mapped to Passerelle's ladder
	// (empty when the upstream said nothing the mapping knows).
	ACR string
	// AMR lists the upstream authentication methods (RFC 8176 values).
	AMR []string
	// AuthTime is when the upstream authenticated the person (zero when
	// the upstream did not say).
	AuthTime time.Time
}

// LogValue logs the upstream subject only.
func (i Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("subject", i.Subject))
}

// Flow is the per-sign-in state a CallbackProvider needs between LoginURL
// and HandleCallback. The broker persists it with the auth request.
type Flow struct {
	State    string // sent upstream, checked on return
	Nonce    string // sent upstream, checked in the ID token
	Verifier string // PKCE code_verifier
}

// LoginOptions carries the little the broker may tell an upstream: nothing
// about the relying party.
type LoginOptions struct {
	// ForceLogin asks the upstream to authenticate again (prompt=login).
	ForceLogin bool
	// Locale is the person's interface language (ui_locales upstream).
	Locale string
}

// CallbackProvider is implemented by redirect-based upstreams.
type CallbackProvider interface {
	// LoginURL returns where to send the browser. callbackURL is
	// Passerelle's own /callback/{provider} URL.
	LoginURL(ctx context.Context, callbackURL string, flow Flow, opts LoginOptions) (string, error)
	// HandleCallback checks the upstream's answer against flow and returns
	// the person's identity. Errors wrap ErrUpstream, ErrDenied or
	// ErrState so the broker can choose the page to show.
	HandleCallback(ctx context.Context, callbackURL string, flow Flow, r *http.Request) (Identity, error)
}

// PasswordProvider is implemented by built-in credential services.
type PasswordProvider interface {
	Login(ctx context.Context, username, password string) (Identity, bool, error)
}

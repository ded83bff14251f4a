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
	// SessionIndex is the upstream's identifier of its own session of
	// this sign-in (SAML SessionIndex; empty when it gave none). The
	// broker keeps it, with Subject, on the session this sign-in starts,
	// so that a logout at either end names this sign-in.
	SessionIndex string
}

// LogValue logs the upstream subject only.
func (i Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("subject", i.Subject))
}

// Provider is an opened upstream credential service. It implements one
// or both of CallbackProvider (redirect-based protocols: OpenID Connect,
// SAML) and PasswordProvider (a username/password service); RouteProvider
// is optional. The broker finds out which by type assertion, as Dex does
// with its connectors.
type Provider any

// Leg is one sign-in's journey to one upstream and back: what the broker
// derived for it and what the provider chose to keep. The broker derives
// State, Nonce and Verifier from the auth request and the provider ID
// (HMACs under a key of its own), so they cost no storage; Kept is what
// LoginURL returned for this leg, stored with the auth request, nil when
// it returned none.
type Leg struct {
	// CallbackURL is Passerelle's own /callback/{provider} URL, absolute:
	// the OIDC redirect_uri, the SAML AssertionConsumerServiceURL.
	CallbackURL string
	// State must travel to the upstream and come back unchanged (the OIDC
	// state parameter, the SAML RelayState): CallbackState returns it, and
	// the broker finds the sign-in from it. It is at most 80 characters of
	// [A-Za-z0-9._-], the most a SAML RelayState may hold.
	State string
	// Nonce and Verifier are further unguessable values of this leg: an
	// OIDC nonce and PKCE code_verifier (43 characters), or a SAML
	// request ID.
	Nonce    string
	Verifier string
	// Kept is the opaque data the provider returned from LoginURL for this
	// leg (nil if none).
	Kept []byte
}

// MaxKept bounds Leg.Kept: the broker refuses a LoginURL that keeps more
// (everything an anonymous visitor can make Passerelle store is bounded).
const MaxKept = 4 << 10

// LoginOptions carries the little the broker may tell an upstream: nothing
// about the relying party.
type LoginOptions struct {
	// ForceLogin asks the upstream to authenticate again (prompt=login,
	// SAML ForceAuthn).
	ForceLogin bool
	// Locale is the person's interface language (ui_locales upstream).
	Locale string
	// ACR are the Passerelle acr values the sign-in accepts from this
	// upstream, lowest first, when the broker holds the upstream to the
	// client's level (AssuranceProvider): the provider asks for the
	// upstream values its mapping gives them (OIDC acr_values, SAML
	// RequestedAuthnContext). Empty: nothing is asked. Only a level, never
	// anything of the relying party.
	ACR []string
}

// AssuranceProvider is implemented by upstreams that can be asked for an
// assurance level through their acr mapping (oidc's and saml's acr_map).
// When Assures says the upstream can give one of the levels a sign-in
// accepts, the broker asks for them (LoginOptions.ACR) and refuses an
// answer mapped to none of them: never a silent downgrade.
type AssuranceProvider interface {
	// Assures reports whether an upstream value maps to one of acrs.
	Assures(acrs []string) bool
}

// CallbackProvider is implemented by redirect-based upstreams: the
// browser goes to LoginURL and comes back to Leg.CallbackURL, by GET or
// POST.
type CallbackProvider interface {
	// LoginURL returns where to send the browser for leg, and what to
	// keep for HandleCallback (nil: nothing, and nothing is written).
	LoginURL(ctx context.Context, leg Leg, opts LoginOptions) (url string, kept []byte, err error)
	// CallbackState returns the Leg.State the callback r carries (OIDC
	// state, SAML RelayState), "" when it carries none. It only reads r:
	// nothing is checked yet.
	CallbackState(r *http.Request) string
	// HandleCallback checks the upstream's answer r against leg and
	// returns the person's identity. Errors wrap ErrUpstream, ErrDenied or
	// ErrState so the broker can choose the page to show.
	HandleCallback(r *http.Request, leg Leg) (Identity, error)
}

// PasswordProvider is implemented by services that check a username and
// password typed into Passerelle's own page (the built-in GCKey-like
// service; an LDAP directory would be another).
type PasswordProvider interface {
	// Login checks the password. A wrong password, an unknown username or
	// an unusable account all wrap ErrInvalidCredentials, after the same
	// work, so neither the answer nor its time tells them apart.
	Login(ctx context.Context, username, password string) (Identity, error)
	// Subject is the Identity.Subject a successful Login of username
	// would give, without checking any password; ErrInvalidCredentials
	// when there is none. The broker uses it to count failures against
	// the account the username belongs to before the password is checked.
	Subject(ctx context.Context, username string) (string, error)
	// RefuseLogin answers like Login for a wrong password, after the same
	// work, without looking at anything: for an attempt the broker's
	// failure regulator holds back.
	RefuseLogin(password string) error
}

// RouteProvider is implemented by providers that serve routes of their
// own, outside any sign-in (a SAML service provider's metadata, for
// example). They are mounted under /providers/{id}/.
type RouteProvider interface {
	// Handler serves the requests under urls.Base; the broker strips
	// nothing from the path (r.URL.Path starts with /providers/{id}/).
	Handler(urls URLs) http.Handler
}

// LogoutProvider is implemented by providers whose upstream takes part
// in single logout (SAML): a logout at either end names the upstream
// sign-in by the Identity's Subject and SessionIndex, which the broker
// keeps on the session that sign-in started.
type LogoutProvider interface {
	// SetLogoutHost is how the broker gives the provider what it calls
	// back, at start-up and at each reload.
	SetLogoutHost(LogoutHost)
	// StartLogout returns where to send the browser so that the
	// upstream ends its session of the sign-in (subject, sessionIndex);
	// "" when this provider is configured to take no part in logout.
	// The upstream answers at the provider's own route, which passes
	// relayState (at most 80 bytes) to LogoutHost.LogoutDone.
	StartLogout(ctx context.Context, subject, sessionIndex, relayState string) (string, error)
}

// LogoutHost is what a LogoutProvider calls back in the broker.
type LogoutHost struct {
	// EndSessions ends the broker's sessions started by the upstream
	// sign-ins of subject with one of sessionIndexes (all of that
	// subject's when none is given): the upstream signed the person out.
	EndSessions func(ctx context.Context, subject string, sessionIndexes []string) error
	// LogoutDone goes on with a logout the broker started (StartLogout)
	// once the upstream has answered: err is nil, or wraps ErrDenied (the
	// upstream could not end every session), ErrUpstream or ErrState.
	LogoutDone func(w http.ResponseWriter, r *http.Request, relayState string, err error)
	// ErrorPage answers a request to the provider's routes that it
	// refuses with the person's page; err wraps ErrUpstream or ErrState
	// and the provider has logged its detail, which the page never shows.
	ErrorPage func(w http.ResponseWriter, r *http.Request, err error)
}

// Hits is the store's one-time counter (store.OTPs.Hit), which the broker
// gives a provider that must remember IDs across replicas (the SAML
// replay cache): Hit counts the uses of key within a window that starts
// at its first use and lasts window, atomically, so exactly one of any
// number of concurrent first uses sees 1.
type Hits interface {
	Hit(ctx context.Context, key string, window time.Duration) (int, error)
}

// URLs are the provider's own absolute URLs at Passerelle.
type URLs struct {
	// Base is the issuer + "/providers/{id}/".
	Base string
	// Callback is the issuer + "/callback/{id}": Leg.CallbackURL.
	Callback string
}

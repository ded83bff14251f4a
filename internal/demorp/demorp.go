package demorp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config describes the demonstration relying party.
type Config struct {
	Issuer       string // Passerelle's issuer, e.g. http://localhost:8080
	ClientID     string
	ClientSecret string
	// BaseURL is the absolute URL where the handler is mounted, without
	// a trailing slash, e.g. http://127.0.0.1:43123/rp. The redirect URI
	// is BaseURL+"/callback"; the post-logout redirect URI is BaseURL+"/".
	BaseURL    string
	HTTPClient *http.Client // optional; http.DefaultClient when nil
	// Name is the portal's name, its page heading (default: "Government
	// portal (demonstration)"); About introduces it (default: a generic
	// portal's introduction).
	Name, About Text
	// Services are the demo's portals, linked from every page of each
	// (this one marked as the current page); none: no links.
	Services []Service
}

// Text is a text in English and French.
type Text struct{ En, Fr string }

// Service is one of the demo's portals: its name and the URL of its page.
type Service struct {
	Name Text
	URL  string
}

// defaultName and defaultAbout describe the generic portal.
var (
	defaultName  = Text{"Government portal (demonstration)", "Portail gouvernemental (démonstration)"}
	defaultAbout = Text{
		"This page stands in for a government service’s portal. It is not a real service. It signs you in through Passerelle with OpenID Connect, then shows what it learned about you.",
		"Cette page tient lieu de portail d’un service gouvernemental. Ce n’est pas un vrai service. Elle vous connecte par Passerelle avec OpenID Connect, puis affiche ce qu’elle a appris sur vous.",
	}
)

const (
	cookieName = "demorp_session"
	scopes     = "openid profile email offline_access"
	sessionTTL = 8 * time.Hour
	// maxSessions bounds memory: beyond it, the oldest session goes.
	maxSessions = 1000
)

// rp is the relying party's handler.
type rp struct {
	cfg      Config
	base     string // BaseURL
	prefix   string // path of BaseURL: where the routes are mounted
	client   *http.Client
	mux      *http.ServeMux
	discover sync.Mutex // serialises discovery
	provider *provider  // nil until discovery succeeds; guarded by discover

	mu       sync.Mutex
	sessions map[string]*session // cookie value → session
}

// provider is what discovery yields.
type provider struct {
	issuer     string // as discovery announced it
	oauth2     oauth2.Config
	oidc       *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	endSession string // end_session_endpoint, "" when not announced
}

// session is one browser's state. Fields are guarded by rp.mu.
type session struct {
	created time.Time
	csrf    string // must accompany POST /refresh and /logout

	// pending sign-ins, between /login and /callback, by state: one per
	// tab, so a sign-in started in two tabs is answered in both (at most
	// maxPending, the oldest forgotten first)
	pending []pendingSignIn

	// the signed-in person, after /callback
	token       *oauth2.Token
	rawIDToken  string
	subject     string
	claims      []byte // ID token payload, indented JSON
	userinfo    []byte // UserInfo answer, indented JSON
	refreshed   bool   // the last action was a refresh
	rotated     bool   // that refresh returned a new refresh token
	signNonce   string // the nonce of the sign-in, for refreshed ID tokens
	logoutState string // state sent with the last RP-initiated logout
}

// pendingSignIn is one authorization request waiting for its answer.
type pendingSignIn struct{ state, nonce, verifier string }

// maxPending bounds a browser's pending sign-ins.
const maxPending = 8

// takePending removes and returns the pending sign-in whose state is
// state (compared in constant time); ok false when there is none.
func (s *session) takePending(state string) (p pendingSignIn, ok bool) {
	for i, x := range s.pending {
		if state != "" && subtle.ConstantTimeCompare([]byte(state), []byte(x.state)) == 1 {
			s.pending = append(s.pending[:i:i], s.pending[i+1:]...)
			return x, true
		}
	}
	return pendingSignIn{}, false
}

// New returns the relying party's handler. It does not contact the
// issuer: discovery happens on first use.
func New(cfg Config) (http.Handler, error) {
	var errs []error
	if u, err := url.Parse(cfg.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an absolute http(s) URL", cfg.Issuer))
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("client ID is required"))
	}
	if cfg.ClientSecret == "" {
		errs = append(errs, errors.New("client secret is required"))
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		strings.HasSuffix(cfg.BaseURL, "/") || base.RawQuery != "" || base.Fragment != "" {
		errs = append(errs, fmt.Errorf("base URL %q must be an absolute http(s) URL without a trailing slash, query or fragment", cfg.BaseURL))
	}
	for _, sv := range cfg.Services {
		if u, err := url.Parse(sv.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || sv.Name.En == "" || sv.Name.Fr == "" {
			errs = append(errs, fmt.Errorf("service %q must have an absolute http(s) URL and a name in English and French", sv.URL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("demorp: %w", err)
	}
	if cfg.Name == (Text{}) {
		cfg.Name = defaultName
	}
	if cfg.About == (Text{}) {
		cfg.About = defaultAbout
	}
	h := &rp{
		cfg:      cfg,
		base:     cfg.BaseURL,
		prefix:   base.EscapedPath(),
		client:   cfg.HTTPClient,
		sessions: map[string]*session{},
	}
	if h.client == nil {
		h.client = http.DefaultClient
	}
	p := h.prefix
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET "+p+"/{$}", h.home)
	h.mux.HandleFunc("GET "+p+"/style.css", stylesheet)
	h.mux.HandleFunc("GET "+p+"/login", h.login)
	h.mux.HandleFunc("POST "+p+"/login", h.login)
	h.mux.HandleFunc("GET "+p+"/callback", h.callback)
	h.mux.HandleFunc("POST "+p+"/refresh", h.refresh)
	h.mux.HandleFunc("POST "+p+"/logout", h.logout)
	return h, nil
}

// ServeHTTP answers the relying party's routes.
func (h *rp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// ctx carries the configured HTTP client to oauth2 and go-oidc.
func (h *rp) ctx(r *http.Request) context.Context {
	return oidc.ClientContext(r.Context(), h.client)
}

// discovered returns the issuer's metadata, fetching it on first use.
// A failure is not remembered: the next call tries again.
func (h *rp) discovered(ctx context.Context) (*provider, error) {
	h.discover.Lock()
	defer h.discover.Unlock()
	if h.provider != nil {
		return h.provider, nil
	}
	op, err := oidc.NewProvider(ctx, h.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	var extra struct {
		Issuer     string `json:"issuer"`
		EndSession string `json:"end_session_endpoint"`
	}
	if err := op.Claims(&extra); err != nil {
		return nil, err
	}
	h.provider = &provider{
		oauth2: oauth2.Config{
			ClientID:     h.cfg.ClientID,
			ClientSecret: h.cfg.ClientSecret,
			Endpoint:     op.Endpoint(),
			RedirectURL:  h.base + "/callback",
			Scopes:       strings.Fields(scopes),
		},
		issuer:     extra.Issuer,
		oidc:       op,
		verifier:   op.Verifier(&oidc.Config{ClientID: h.cfg.ClientID}),
		endSession: extra.EndSession,
	}
	return h.provider, nil
}

// sessionLocked returns the browser's session, or nil. Callers hold h.mu.
func (h *rp) sessionLocked(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	s := h.sessions[c.Value]
	if s == nil || time.Since(s.created) > sessionTTL {
		delete(h.sessions, c.Value)
		return nil
	}
	return s
}

// newSessionLocked starts a session and sets its cookie, dropping expired
// sessions and, at the limit, the oldest one. Callers hold h.mu.
func (h *rp) newSessionLocked(w http.ResponseWriter) *session {
	var oldest string
	for id, s := range h.sessions {
		if time.Since(s.created) > sessionTTL {
			delete(h.sessions, id)
		} else if oldest == "" || s.created.Before(h.sessions[oldest].created) {
			oldest = id
		}
	}
	if len(h.sessions) >= maxSessions {
		delete(h.sessions, oldest)
	}
	id := random()
	s := &session{created: time.Now(), csrf: random()}
	h.sessions[id] = s
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    id,
		Path:     h.prefix + "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		// Not Secure: the demo runs on plain-HTTP loopback.
	})
	return s
}

// random returns 32 random bytes, base64url-encoded.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

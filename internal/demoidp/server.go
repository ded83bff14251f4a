package demoidp

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Server is a demonstration OpenID Connect provider. It is an
// http.Handler; all its state lives in memory and is lost on restart,
// except subjects, which derive from the issuer and username.
type Server struct {
	cfg    Config
	base   string // Issuer without a trailing slash: endpoint URL prefix
	prefix string // path of base: where the endpoints are mounted
	now    func() time.Time
	mux    *http.ServeMux
	alg    jose.SignatureAlgorithm // of the ID tokens: ES256 or EdDSA
	signer *jwsSigner
	jwks   []byte // the published key set, marshalled once

	accounts accounts

	mu        sync.Mutex
	codes     map[string]*grant // authorization code → grant, until it expires
	tokens    map[string]*grant // access token → grant
	lastSweep time.Time
}

// grant is what one successful sign-in at /authorize allows. The same
// grant is reached from its code and, once the code is redeemed, from its
// access token.
type grant struct {
	user        *User
	clientID    string
	redirectURI string
	scopes      []string
	nonce       string
	challenge   string // PKCE S256 code_challenge
	locale      string // language of the sign-in form: "en" or "fr"
	authTime    time.Time
	codeExpires time.Time

	redeemed     bool   // the code was presented once: it never works again
	accessToken  string // issued when the code was redeemed
	tokenExpires time.Time
}

// New checks cfg and returns a Server with a fresh signing key of
// cfg.SigningAlg (ES256 by default).
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("demoidp: %w", err)
	}
	s := &Server{
		cfg:    cfg,
		base:   strings.TrimSuffix(cfg.Issuer, "/"),
		now:    cfg.Now,
		codes:  map[string]*grant{},
		tokens: map[string]*grant{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.accounts = newAccounts(cfg.Users)
	s.alg = jose.ES256
	if cfg.SigningAlg != "" {
		s.alg = jose.SignatureAlgorithm(cfg.SigningAlg)
	}

	published, err := newKey(s.alg)
	if err != nil {
		return nil, err
	}
	signing := published
	if cfg.Faults.UnpublishedKey {
		if signing, err = newKey(s.alg); err != nil {
			return nil, err
		}
		signing.KeyID = published.KeyID
	}
	if s.signer, err = newJWSSigner(s.alg, signing); err != nil {
		return nil, err
	}
	s.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{published.Public()}})
	if err != nil {
		return nil, fmt.Errorf("demoidp: key set: %w", err)
	}

	u, _ := url.Parse(s.base) // checked by cfg.check
	s.prefix = u.EscapedPath()
	prefix := s.prefix
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET "+prefix+"/.well-known/openid-configuration", s.discovery)
	s.mux.HandleFunc("GET "+prefix+"/jwks", s.keys)
	s.mux.HandleFunc("GET "+prefix+"/authorize", s.authorizeGet)
	s.mux.HandleFunc("POST "+prefix+"/authorize", s.authorizePost)
	s.mux.HandleFunc("GET "+prefix+"/demo.css", stylesheet)
	s.mux.HandleFunc("POST "+prefix+"/token", s.token)
	s.mux.HandleFunc("GET "+prefix+"/userinfo", s.userinfo)
	s.mux.HandleFunc("GET "+prefix+"/end_session", s.endSession)
	s.mux.HandleFunc("POST "+prefix+"/userinfo", s.userinfo)
	return s, nil
}

// newKey returns a key for alg (a P-256 key for ES256, an Ed25519 key
// for EdDSA) with a random key ID.
func newKey(alg jose.SignatureAlgorithm) (jose.JSONWebKey, error) {
	var k any
	var err error
	if alg == jose.EdDSA {
		_, k, err = ed25519.GenerateKey(rand.Reader)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("demoidp: key: %w", err)
	}
	return jose.JSONWebKey{Key: k, KeyID: randomString(8), Algorithm: string(alg), Use: "sig"}, nil
}

// ServeHTTP answers the provider's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// discovery serves OpenID Connect Discovery 1.0 §3 metadata.
func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	meta := map[string]any{
		"issuer":                                s.cfg.Issuer,
		"authorization_endpoint":                s.base + "/authorize",
		"token_endpoint":                        s.base + "/token",
		"userinfo_endpoint":                     s.base + "/userinfo",
		"jwks_uri":                              s.base + "/jwks",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(s.alg)},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "nonce", "auth_time", "acr", "amr",
			"email", "email_verified", "given_name", "family_name", "name", "locale"},
		"ui_locales_supported":                           []string{"en", "fr"},
		"authorization_response_iss_parameter_supported": true,
	}
	if len(s.cfg.PostLogoutRedirectURIs) > 0 {
		meta["end_session_endpoint"] = s.base + "/end_session"
	}
	if s.cfg.ACR != "" {
		meta["acr_values_supported"] = []string{s.cfg.ACR}
	}
	writeJSON(w, http.StatusOK, meta)
}

// endSession serves RP-Initiated Logout 1.0 for the one client: the
// provider keeps no session (every sign-in asks for the password), so it
// only checks client_id and post_logout_redirect_uri and sends the
// browser back, with the state.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back := q.Get("post_logout_redirect_uri")
	if q.Get("client_id") != s.cfg.ClientID || !slices.Contains(s.cfg.PostLogoutRedirectURIs, back) {
		http.Error(w, "unknown client or post_logout_redirect_uri", http.StatusBadRequest)
		return
	}
	if st := q.Get("state"); st != "" {
		u, _ := url.Parse(back)
		v := u.Query()
		v.Set("state", st)
		u.RawQuery = v.Encode()
		back = u.String()
	}
	http.Redirect(w, r, back, http.StatusFound)
}

func (s *Server) keys(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.jwks)
}

// subject is the user's stable sub: the same username at the same issuer
// always gets the same value, across restarts.
func (s *Server) subject(u *User) string { return s.Subject(u.Username) }

// Subject is the sub this upstream gives the user username (the demo
// seeds accounts linked to one).
func (s *Server) Subject(username string) string {
	h := sha256.Sum256([]byte(s.cfg.Issuer + "\x00" + username))
	return hex.EncodeToString(h[:16])
}

// issue stores a fresh authorization code for g and returns it.
func (s *Server) issue(g *grant) string {
	code := randomString(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.codes[code] = g
	return code
}

// sweep drops expired codes and tokens, at most once a second (a pass
// reads every live one). Callers hold s.mu.
func (s *Server) sweep() {
	now := s.now()
	if now.Sub(s.lastSweep) < time.Second {
		return
	}
	s.lastSweep = now
	for k, g := range s.codes {
		if now.After(g.codeExpires) {
			delete(s.codes, k)
		}
	}
	for k, g := range s.tokens {
		if now.After(g.tokenExpires) {
			delete(s.tokens, k)
		}
	}
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError writes an RFC 6749 §5.2 error response.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

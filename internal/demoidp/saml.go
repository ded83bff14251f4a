package demoidp

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAMLConfig configures a SAMLServer: a GCKey-like SAML 2.0 identity
// provider for the demo, as GCKey speaks under the CATS 2.0 profile.
type SAMLConfig struct {
	// BaseURL is where the IdP is mounted; it answers under its path
	// (BaseURL/metadata, /sso, /slo, /login, /demo.css): mount it on
	// that prefix without stripping it.
	BaseURL string
	// Name is the service's display name by language ("en" and "fr").
	Name map[string]string
	// Users who can sign in.
	Users []User
	// SPMetadataURL is the metadata of the one service provider it
	// serves (Passerelle's, for this upstream), read over HTTP at each
	// sign-in and logout, as an IdP that trusts a federation would.
	SPMetadataURL string
	// Levels are the assurance levels (AuthnContextClassRef) it can
	// reach; it asserts the highest one the request asks for, and answers
	// NoAuthnContext when it can reach none of them.
	Levels []string
	// Key and Certificate sign its metadata, responses, assertions and
	// logout messages.
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
	// Log receives the library's refusals (nil: standard error).
	Log io.Writer
}

// SAMLServer is a demonstration SAML 2.0 identity provider on
// crewjam/saml's IdentityProvider: SP-initiated Web SSO with signed
// AuthnRequests (HTTP-Redirect) and signed, encrypted assertions
// (AES-128-CBC, RSA-OAEP) by HTTP-POST, persistent NameIDs, the gc-ca
// assurance levels, and Single Logout both ways. Its sign-in page is the
// OpenID provider's (page.html), with the same banner; sessions live in
// memory, bounded.
type SAMLServer struct {
	cfg      SAMLConfig
	prefix   string
	idp      *crewsaml.IdentityProvider
	accounts accounts
	nameKey  []byte // the HMAC key of persistent NameIDs, from the IdP key
	client   *http.Client
	sessions *samlSessions
	mux      *http.ServeMux
}

// NewSAML checks cfg and returns the IdP.
func NewSAML(cfg SAMLConfig) (*SAMLServer, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("demoidp: SAML: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	at := func(path string) url.URL {
		u, _ := url.Parse(base + path) // checked by cfg.check
		return *u
	}
	s := &SAMLServer{cfg: cfg, accounts: newAccounts(cfg.Users), client: &http.Client{Timeout: 10 * time.Second},
		nameKey: nameIDKey(cfg.Key), sessions: newSAMLSessions()}
	metadataURL := at("/metadata")
	s.prefix = metadataURL.EscapedPath()[:len(metadataURL.EscapedPath())-len("/metadata")]
	enc := xmlenc.OAEP()
	enc.BlockCipher = xmlenc.AES128CBC // as GCKey's metadata says
	s.idp = &crewsaml.IdentityProvider{
		Key: cfg.Key, Certificate: cfg.Certificate,
		Logger:      log.New(cfg.Log, "demo SAML IdP: ", 0),
		MetadataURL: metadataURL, SSOURL: at("/sso"), LogoutURL: at("/slo"),
		SessionProvider: s, ServiceProviderProvider: s,
		SignatureMethod:              dsig.RSASHA256SignatureMethod,
		AssertionEncrypter:           enc,
		SignMetadata:                 true,
		WantAuthnRequestsSigned:      true,
		EnforceRequestedAuthnContext: true,
		NameIDFormats:                []crewsaml.NameIDFormat{crewsaml.PersistentNameIDFormat},
	}
	p := s.prefix
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET "+p+"/metadata", s.idp.ServeMetadata)
	s.mux.HandleFunc("GET "+p+"/sso", s.sso)
	s.mux.HandleFunc("GET "+p+"/slo", s.idp.ServeSLO)
	s.mux.HandleFunc("GET "+p+"/login", s.loginPage)
	s.mux.HandleFunc("POST "+p+"/login", s.login)
	s.mux.HandleFunc("GET "+p+"/demo.css", stylesheet)
	return s, nil
}

func (c SAMLConfig) check() error {
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.Path == "" || u.Path == "/" {
		errs = append(errs, fmt.Errorf("BaseURL %q must be an absolute http(s) URL with a path", c.BaseURL))
	}
	if u, err := url.Parse(c.SPMetadataURL); err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("SPMetadataURL %q must be an absolute URL", c.SPMetadataURL))
	}
	if c.Name["en"] == "" || c.Name["fr"] == "" {
		errs = append(errs, errors.New("Name needs en and fr"))
	}
	if len(c.Users) == 0 {
		errs = append(errs, errors.New("Users is empty"))
	}
	if len(c.Levels) == 0 {
		errs = append(errs, errors.New("Levels is empty"))
	}
	if c.Key == nil || c.Certificate == nil {
		errs = append(errs, errors.New("Key and Certificate are required"))
	}
	return errors.Join(errs...)
}

// ServeHTTP serves the IdP's routes. (The library's pages that post a
// Response or a logout message carry a script that submits them, so the
// demo pages' Content-Security-Policy is set on the sign-in page only.)
func (s *SAMLServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// GetServiceProvider reads the SP's metadata over HTTP
// (crewsaml.ServiceProviderProvider): the one SP of SPMetadataURL.
func (s *SAMLServer) GetServiceProvider(r *http.Request, entityID string) (*crewsaml.EntityDescriptor, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, s.cfg.SPMetadataURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("SP metadata: %s", resp.Status)
	}
	md, err := samlsp.ParseMetadata(data)
	if err != nil {
		return nil, err
	}
	if md.EntityID != entityID {
		return nil, os.ErrNotExist
	}
	return md, nil
}

// sso is the SSO endpoint: a browser with a session at the IdP (or one
// that just cancelled) goes on to the library, which checks the signed
// AuthnRequest and answers; any other is sent to the sign-in page first,
// which comes back here.
func (s *SAMLServer) sso(w http.ResponseWriter, r *http.Request) {
	if s.sessions.get(r) != nil || cancelled(r) {
		s.idp.ServeSSO(w, r)
		return
	}
	http.Redirect(w, r, s.prefix+"/login?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
}

// next is where the sign-in page goes back to: only this IdP's SSO
// endpoint.
func (s *SAMLServer) next(v url.Values) (string, bool) {
	next := v.Get("next")
	return next, strings.HasPrefix(next, s.prefix+"/sso?") && len(next) < 16<<10
}

// loginPage shows the sign-in form for the AuthnRequest in next.
func (s *SAMLServer) loginPage(w http.ResponseWriter, r *http.Request) {
	next, ok := s.next(r.URL.Query())
	if !ok {
		http.Error(w, "Start from the service you were using. / Commencez à partir du service que vous utilisiez.", http.StatusBadRequest)
		return
	}
	s.render(w, next, pickLang(r.URL.Query().Get("ui_locales")), "", false)
}

// login checks the credentials: success opens a session at the IdP and
// goes back to the SSO endpoint; Cancel goes back with the cancellation
// the SP is told (AuthnFailed); a wrong username or password shows the
// form again with one generic error.
func (s *SAMLServer) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Malformed form. / Formulaire mal formé.", http.StatusBadRequest)
		return
	}
	next, ok := s.next(r.PostForm)
	if !ok {
		http.Error(w, "Start from the service you were using. / Commencez à partir du service que vous utilisiez.", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		http.SetCookie(w, &http.Cookie{Name: cancelCookie, Value: "1", Path: s.prefix, MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	username := r.PostForm.Get("username")
	user := s.accounts.check(username, r.PostForm.Get("password"))
	if user == nil {
		s.render(w, next, pickLang(r.PostForm.Get("ui_locales")), username, true)
		return
	}
	s.sessions.start(w, s.prefix, user)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// render writes the shared sign-in page for this IdP.
func (s *SAMLServer) render(w http.ResponseWriter, next, lang, username string, failed bool) {
	renderForm(w, signInForm{name: s.cfg.Name, prefix: s.prefix, action: s.prefix + "/login", lang: lang,
		hidden: url.Values{"next": {next}, "ui_locales": {lang}}, username: username, failed: failed})
}

// level is the highest of the IdP's levels the request asks for (with
// Comparison="exact", any one of those listed), or "".
func (s *SAMLServer) level(req *crewsaml.IdpAuthnRequest) string {
	asked := req.Request.RequestedAuthnContext
	for _, l := range slices.Backward(s.cfg.Levels) {
		if asked == nil || slices.Contains(asked.AuthnContextClassRefs, l) {
			return l
		}
	}
	return ""
}

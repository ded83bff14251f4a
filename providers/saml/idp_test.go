package saml

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/logger"
	"github.com/crewjam/saml/samlsp"
	"github.com/crewjam/saml/xmlenc"

	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store/bolt"
)

// The IdP these tests sign in at is crewjam/saml's own IdentityProvider,
// an implementation nobody here wrote, served over real HTTP by
// httptest: it reads Passerelle's SP metadata over HTTP, checks the signed
// AuthnRequest (WantAuthnRequestsSigned), enforces RequestedAuthnContext,
// and answers with a signed, encrypted assertion by HTTP-POST.

type keyPair struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

var (
	keysOnce                        sync.Once
	spKey1, spKey2, idpKey, evilKey keyPair
)

func newKeyPair(t testing.TB, cn string) keyPair {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{key: key, cert: cert}
}

func testKeys(t testing.TB) {
	keysOnce.Do(func() {
		spKey1, spKey2 = newKeyPair(t, "sp1"), newKeyPair(t, "sp2")
		idpKey, evilKey = newKeyPair(t, "idp"), newKeyPair(t, "evil")
	})
}

// writeKeyPair writes k as PEM files under dir and returns the KeyPair.
func writeKeyPair(t testing.TB, dir, name string, k keyPair) KeyPair {
	t.Helper()
	kp := KeyPair{KeyFile: filepath.Join(dir, name+".key"), CertFile: filepath.Join(dir, name+".crt")}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw})
	if err := os.WriteFile(kp.KeyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp.CertFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return kp
}

// testIdP is a running IdP and the Passerelle SP it knows.
type testIdP struct {
	t      testing.TB
	idp    *crewsaml.IdentityProvider
	srv    *httptest.Server
	spSrv  *httptest.Server
	p      *Provider
	offset time.Duration // added to the SP's clock

	mu     sync.Mutex
	level  string // AuthnContextClassRef the IdP asserts
	nameID string
	status string // non-empty: answer with this second-level status

	participants []crewsaml.SessionParticipant
	ended        bool
	loggedOut    []string // EndSessions calls
	logoutsDone  []string // LogoutDone calls: relay state and error
	refusals     []error  // ErrorPage calls
}

type env struct {
	cfg    func(*Config)
	cipher xmlenc.BlockCipher // nil: the IdP's choice from the SP metadata
}

// newTestIdP starts the IdP and an SP server for a Provider over it.
func newTestIdP(t testing.TB, e env) *testIdP {
	t.Helper()
	testKeys(t)
	ti := &testIdP{t: t, level: LoA2, nameID: "pai-7f3a9c"}

	spMux := http.NewServeMux()
	ti.spSrv = httptest.NewServer(spMux)
	t.Cleanup(ti.spSrv.Close)
	idpMux := http.NewServeMux()
	ti.srv = httptest.NewServer(idpMux)
	t.Cleanup(ti.srv.Close)

	at := func(path string) url.URL {
		u, _ := url.Parse(ti.srv.URL + path)
		return *u
	}
	ti.idp = &crewsaml.IdentityProvider{
		Logger:                       logger.DefaultLogger,
		Key:                          idpKey.key,
		Certificate:                  idpKey.cert,
		MetadataURL:                  at("/metadata"),
		SSOURL:                       at("/sso"),
		LogoutURL:                    at("/slo"),
		SessionProvider:              ti,
		ServiceProviderProvider:      ti,
		SignatureMethod:              "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
		WantAuthnRequestsSigned:      true,
		EnforceRequestedAuthnContext: true,
	}
	if e.cipher != nil {
		enc := xmlenc.OAEP()
		enc.BlockCipher = e.cipher
		ti.idp.AssertionEncrypter = enc
	}
	idpMux.Handle("/", ti.idp.Handler())

	dir := t.TempDir()
	cfg := Config{
		IDPMetadataURL: ti.srv.URL + "/metadata",
		Keys:           []KeyPair{writeKeyPair(t, dir, "sp1", spKey1), writeKeyPair(t, dir, "sp2", spKey2)},
		Levels:         []string{LoA2, LoA3},
	}
	if e.cfg != nil {
		e.cfg(&cfg)
	}
	now := func() time.Time { return time.Now().Add(ti.offset) }
	host := providers.LogoutHost{EndSessions: ti.endSessions, LogoutDone: ti.logoutDone, ErrorPage: ti.errorPage}
	p, err := Open("gckey", cfg, Options{Now: now, Host: host, Hits: boltHits(t, now)})
	if err != nil {
		t.Fatal(err)
	}
	ti.p = p
	// As the broker does: the provider learns its URLs from Handler, and
	// its routes are served under /providers/{id}/.
	spMux.Handle("/providers/gckey/", p.Handler(ti.urls()))
	return ti
}

// boltHits is a real bbolt store file, whose Hit keeps the replay cache.
func boltHits(t testing.TB, now func() time.Time) providers.Hits {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "passerelle.db"), bolt.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// urls are the provider's URLs at the SP server, as the broker gives them.
func (ti *testIdP) urls() providers.URLs {
	return providers.URLs{Base: ti.spSrv.URL + "/providers/gckey/", Callback: ti.spSrv.URL + "/callback/gckey"}
}

// endSessions records an IdP-initiated logout, as the broker would end
// the person's sessions.
func (ti *testIdP) endSessions(_ context.Context, subject string, indexes []string) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.loggedOut = append(ti.loggedOut, subject+" "+strings.Join(indexes, ","))
	return nil
}

// GetServiceProvider reads the SP metadata over HTTP, as a real IdP does.
func (ti *testIdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	resp, err := http.Get(ti.spSrv.URL + "/providers/gckey/metadata")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	md, err := samlsp.ParseMetadata(data)
	if err != nil {
		return nil, err
	}
	if md.EntityID != id {
		return nil, os.ErrNotExist
	}
	return md, nil
}

// GetSession is the person at the IdP: already signed in, or cancelling.
func (ti *testIdP) GetSession(w http.ResponseWriter, _ *http.Request, req *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if ti.status != "" {
		err := ti.idp.SendErrorResponse(w, req, &crewsaml.StatusError{TopLevel: crewsaml.StatusResponder, SecondLevel: ti.status})
		if err != nil {
			ti.t.Error(err)
		}
		return nil
	}
	return &crewsaml.Session{
		ID: "s1", Index: "idx-42", CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour),
		NameID: ti.nameID, NameIDFormat: string(crewsaml.PersistentNameIDFormat),
		AuthnContextClassRef: ti.level, UserEmail: "never-used@example.org",
	}
}

// flow is a sign-in's per-leg values, as the broker derives them.
func testFlow(n string) providers.Leg {
	return providers.Leg{State: "ar" + n + ".st" + n, Nonce: "nonce" + n}
}

var inputRE = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// signIn follows the LoginURL to the IdP and returns the HTTP-POST form
// the IdP's page would submit to the ACS.
func (ti *testIdP) signIn(flow providers.Leg) url.Values {
	ti.t.Helper()
	if flow.CallbackURL == "" {
		flow.CallbackURL = ti.urls().Callback
	}
	to, _, err := ti.p.LoginURL(context.Background(), flow, providers.LoginOptions{})
	if err != nil {
		ti.t.Fatal(err)
	}
	if !strings.HasPrefix(to, ti.srv.URL+"/sso?") {
		ti.t.Fatalf("LoginURL %s is not the IdP's SSO endpoint", to)
	}
	resp, err := http.Get(to)
	if err != nil {
		ti.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		ti.t.Fatalf("IdP answered %s: %s", resp.Status, body)
	}
	form := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("SAMLResponse") == "" {
		ti.t.Fatalf("IdP page has no SAMLResponse: %s", body)
	}
	return form
}

// post submits form to the ACS as the browser would.
func (ti *testIdP) post(flow providers.Leg, form url.Values) (providers.Identity, Session, error) {
	r := httptest.NewRequest(http.MethodPost, ti.urls().Callback, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ti.p.HandleResponse(context.Background(), flow, r)
}

func fetchBody(t testing.TB, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func providersLoginOptions() providers.LoginOptions { return providers.LoginOptions{} }

package broker_test

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/providers/saml"
)

// samlIdP is crewjam/saml's IdentityProvider (written by nobody here) on
// its own httptest server: it reads Passerelle's SP metadata over HTTP,
// insists on signed AuthnRequests and on the requested level, and answers
// with a signed, encrypted assertion by HTTP-POST.
type samlIdP struct {
	idp    *crewsaml.IdentityProvider
	srv    *httptest.Server
	spMeta string // Passerelle's SP metadata URL
	level  string // the level of every session (default loa2)

	mu           sync.Mutex
	signIns      int // each sign-in is a new IdP session, s<n> with SessionIndex idx-<n>
	participants []samlParticipant
}

// samlParticipant is an SP that took part in one IdP session.
type samlParticipant struct {
	session *crewsaml.Session
	crewsaml.SessionParticipant
}

// AddSessionParticipant and SessionParticipants let the IdP propagate a
// logout of one of its sessions to Passerelle; InvalidateSession ends its
// own session.
func (s *samlIdP) AddSessionParticipant(_ *http.Request, sess *crewsaml.Session, p crewsaml.SessionParticipant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.participants = append(s.participants, samlParticipant{sess, p})
	return nil
}

func (s *samlIdP) SessionParticipants(_ *http.Request, match func(*crewsaml.Session) bool) ([]crewsaml.SessionParticipant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []crewsaml.SessionParticipant
	for _, p := range s.participants {
		if match(p.session) {
			out = append(out, p.SessionParticipant)
		}
	}
	return out, nil
}

func (s *samlIdP) InvalidateSession(http.ResponseWriter, *http.Request, *crewsaml.IdpLogoutRequest) error {
	return nil
}

func (s *samlIdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	resp, err := http.Get(s.spMeta)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	md, err := samlsp.ParseMetadata(data)
	if err != nil || md.EntityID != id {
		return nil, os.ErrNotExist
	}
	return md, nil
}

func (s *samlIdP) GetSession(http.ResponseWriter, *http.Request, *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signIns++
	n := strconv.Itoa(s.signIns)
	return &crewsaml.Session{ID: "s" + n, Index: "idx-" + n, CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour),
		NameID: "pai-0a1b2c", NameIDFormat: string(crewsaml.PersistentNameIDFormat),
		AuthnContextClassRef: cmp.Or(s.level, loa2), UserEmail: "alex@example.org", UserGivenName: "Alex"}
}

func rsaPEM(t *testing.T, dir, name string) saml.KeyPair {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kp := saml.KeyPair{KeyFile: filepath.Join(dir, name+".key"), CertFile: filepath.Join(dir, name+".crt")}
	os.WriteFile(kp.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	os.WriteFile(kp.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	return kp
}

// newSAMLEnv is the harness with one more upstream, "gckey-saml", a SAML
// provider (providers/saml) at the IdP above, configured with levels
// (default: providers/saml's).
func newSAMLEnv(t *testing.T, levels ...string) (*env, *samlIdP) {
	t.Helper()
	dir := t.TempDir()
	idpKP := rsaPEM(t, dir, "idp")
	s := &samlIdP{}
	s.srv = httptest.NewServer(nil)
	t.Cleanup(s.srv.Close)
	at := func(p string) url.URL { u, _ := url.Parse(s.srv.URL + p); return *u }
	keyPEM, _ := os.ReadFile(idpKP.KeyFile)
	certPEM, _ := os.ReadFile(idpKP.CertFile)
	kb, _ := pem.Decode(keyPEM)
	cb, _ := pem.Decode(certPEM)
	key, _ := x509.ParsePKCS1PrivateKey(kb.Bytes)
	cert, _ := x509.ParseCertificate(cb.Bytes)
	s.idp = &crewsaml.IdentityProvider{Key: key, Certificate: cert, Logger: log.New(io.Discard, "", 0),
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), LogoutURL: at("/slo"),
		SessionProvider: s, ServiceProviderProvider: s,
		SignatureMethod:         "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
		WantAuthnRequestsSigned: true, EnforceRequestedAuthnContext: true}
	s.srv.Config.Handler = s.idp.Handler()

	e := newEnvOpts(t, envOptions{rateLimit: testRateLimit, extra: func(issuer string) []broker.Upstream {
		s.spMeta = issuer + "/providers/gckey-saml/metadata"
		p, err := saml.Open("gckey-saml", saml.Config{
			IDPMetadataURL: s.srv.URL + "/metadata",
			Keys:           []saml.KeyPair{rsaPEM(t, dir, "sp")},
			AMR:            []string{"pwd"},
			Levels:         levels,
		}, saml.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return []broker.Upstream{{ID: "gckey-saml", Name: map[string]string{"en": "GCKey (SAML)", "fr": "CléGC (SAML)"}, Provider: p}}
	}})
	return e, s
}

// TestSAMLSignInWithSecondFactor: a person picks the SAML upstream, signs
// in at the IdP, comes back by HTTP-POST, sets up an authenticator app,
// and the relying party gets tokens exactly as for an OpenID Connect
// upstream: a pairwise sub, acr from the factor (the upstream's loa2 never
// stands in for it), amr, and nothing of the upstream (no email, no
// name, not the NameID).
func TestSAMLSignInWithSecondFactor(t *testing.T) {
	e, _ := newSAMLEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := samlSignIn(t, b, a)
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa") {
		t.Fatalf("after the SAML sign-in, want the second factor, landed on %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	p = b.totpMFA(p, "gckey-saml/alex")
	q := r.callback(p, a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	sub := wantTokensAsForOIDC(t, tok, "pai-0a1b2c")

	// The same person again, in another browser: the account is found by
	// the persistent NameID triple, and the factor is challenged.
	b2 := e.browser()
	a2 := r.start()
	p = samlSignIn(t, b2, a2)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("second sign-in should challenge the factor, landed on %s: %.400s", p.Resp.Request.URL, p.Body)
	}
	tok2, err := r.exchange(r.callback(b2.totpMFA(p, "gckey-saml/alex"), a2).Get("code"), a2)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.claims["sub"] != sub {
		t.Errorf("second sign-in sub %v, want the first's %s", tok2.claims["sub"], sub)
	}
}

func TestSAMLMetadataRoute(t *testing.T) {
	e, _ := newSAMLEnv(t)
	resp, err := http.Get(e.issuer + "/providers/gckey-saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`entityID="` + e.issuer + `/providers/gckey-saml/metadata"`,
		`Location="` + e.issuer + `/callback/gckey-saml"`, `Location="` + e.issuer + `/providers/gckey-saml/slo"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("SP metadata lacks %s: %s", want, body)
		}
	}
}

// wantTokensAsForOIDC checks that a SAML sign-in's tokens are exactly as
// for an OpenID Connect upstream: acr from the authenticator app (the
// upstream's loa2 never stands in for it), amr with pwd, otp and mfa, a
// pairwise sub that is not the upstream's NameID, and nothing of the
// upstream (no email, no name). It returns the sub.
func wantTokensAsForOIDC(t *testing.T, tok tokens, nameID string) string {
	t.Helper()
	if tok.claims["acr"] != loa3 {
		t.Errorf("acr = %v, want %s (the authenticator app's)", tok.claims["acr"], loa3)
	}
	if got := amr(tok.claims); !slices.Contains(got, "pwd") || !slices.Contains(got, "otp") || !slices.Contains(got, "mfa") {
		t.Errorf("amr = %v, want pwd, otp and mfa", got)
	}
	sub, _ := tok.claims["sub"].(string)
	if sub == "" || strings.Contains(sub, nameID) || strings.Contains(nameID, sub) {
		t.Errorf("sub %q: want a pairwise subject, never the upstream's NameID %q", sub, nameID)
	}
	for _, claim := range []string{"email", "given_name", "name"} {
		if _, ok := tok.claims[claim]; ok {
			t.Errorf("claim %s reached the relying party", claim)
		}
	}
	return sub
}

// samlSignIn picks the SAML upstream for a in b and signs in at the IdP,
// whose page posts the Response to the ACS, /callback/gckey-saml (the
// broker may answer with a page posting it again from its own origin);
// it returns the broker's page after the ACS.
func samlSignIn(t *testing.T, b *browser, a authorization) page {
	t.Helper()
	return samlAnswer(t, b, b.choose(b.Get(a.url), "gckey-saml"))
}

// postACS submits the broker's re-post page, if that is what p is.
func postACS(b *browser, p page) page {
	if to, v, ok := p.Action("/callback/gckey-saml"); ok {
		return b.Post(to, v)
	}
	return p
}

// TestSAMLCallbackTakesALargeResponse: a SAML Response signed and
// encrypted with larger keys than the tests' is over 16 KiB; the ACS
// (POST /callback/{id}) takes it to the provider rather than refusing it
// as too large (the provider then refuses this one: no such sign-in).
func TestSAMLCallbackTakesALargeResponse(t *testing.T) {
	e, _ := newSAMLEnv(t)
	form := url.Values{"SAMLResponse": {strings.Repeat("A", 24<<10)}, "RelayState": {"x.y"}, "passerelle_repost": {"1"}}
	resp, err := http.PostForm(e.issuer+"/callback/gckey-saml", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode < 400 {
		t.Fatalf("a 24 KiB SAML post: %s, want the sign-in's own refusal", resp.Status)
	}
}

package broker_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/syncbuf"
	"github.com/passerelle/passerelle/providers/saml"
)

// SimpleSAMLphp, from Debian's package, is a SAML IdP nobody here wrote:
// the test configures it as GCKey is (signed AuthnRequests required,
// assertions signed and encrypted with AES-128-CBC, a persistent NameID,
// level 2) and serves it with PHP's built-in server on loopback.

// sspWWW is where Debian's simplesamlphp package puts the web root.
const sspWWW = "/usr/share/simplesamlphp/www"

// sspIdP is a running SimpleSAMLphp IdP.
type sspIdP struct {
	base string // http://127.0.0.1:port/
	log  *syncbuf.Buffer
}

// metadataURL is the IdP's metadata (its hosted IdP, __DYNAMIC:1__).
func (s *sspIdP) metadataURL() string { return s.base + "saml2/idp/metadata.php" }

// startSSP writes a configuration for the SP entityID (its ACS and SLO
// under issuer, certificate sp) and starts `php -S` on a free loopback
// port; it skips the test where the package is not installed.
func startSSP(t *testing.T, issuer, id string, sp saml.KeyPair) *sspIdP {
	t.Helper()
	php, err := exec.LookPath("php")
	if _, statErr := os.Stat(filepath.Join(sspWWW, "saml2/idp/SSOService.php")); err != nil || statErr != nil {
		t.Skip("SimpleSAMLphp is not installed (apt-get install simplesamlphp php-cli php-xml php-mbstring; .ci/run does): the test against an independent SAML IdP cannot run")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // php -S listens on it; nothing else takes a loopback port this quickly
	s := &sspIdP{base: "http://" + addr + "/", log: &syncbuf.Buffer{}}
	dir := t.TempDir()
	writeSSPConfig(t, dir, s.base, issuer, id, sp)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, php, "-S", addr, "-t", sspWWW)
	cmd.Env = append(os.Environ(), "SIMPLESAMLPHP_CONFIG_DIR="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("SimpleSAMLphp's log:\n%s", s.log.String())
		}
	})
	// PHP says on standard error when it listens; everything after is its
	// log (SimpleSAMLphp logs there too).
	started := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(stderr)
		once := false
		for lines.Scan() {
			fmt.Fprintln(s.log, lines.Text())
			if !once && strings.Contains(lines.Text(), "Development Server") && strings.Contains(lines.Text(), "started") {
				once = true
				close(started)
			}
		}
		if !once {
			close(started)
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatalf("php -S did not start: %s", s.log.String())
	}
	if !strings.Contains(s.log.String(), "started") {
		t.Fatalf("php -S did not start: %s", s.log.String())
	}
	return s
}

// writeSSPConfig writes config.php (Debian's, with this test's
// directories and settings appended), authsources.php (alex, by
// username and password) and the metadata of the hosted IdP and of the
// one SP. The SP's entry makes SimpleSAMLphp behave as GCKey: it wants
// signed AuthnRequests and LogoutRequests, signs and encrypts
// assertions, and signs its HTTP-Redirect logout messages (without
// redirect.sign its LogoutResponse is unsigned, and Passerelle refuses
// it).
func writeSSPConfig(t *testing.T, dir, base, issuer, id string, sp saml.KeyPair) {
	t.Helper()
	for _, d := range []string{"cert", "metadata", "log", "data", "tmp", "sessions"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	idp := rsaPEM(t, filepath.Join(dir, "cert"), "idp")
	debian, err := os.ReadFile("/etc/simplesamlphp/config.php")
	if err != nil {
		t.Skipf("SimpleSAMLphp's configuration template is missing: %v", err)
	}
	spCertPEM, err := os.ReadFile(sp.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(spCertPEM)
	q := func(s string) string {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
	}
	files := map[string]string{
		"config.php": string(debian) + fmt.Sprintf(`
$config['baseurlpath'] = %s;
$config['certdir'] = %s;
$config['loggingdir'] = %s;
$config['datadir'] = %s;
$config['tempdir'] = %s;
$config['metadatadir'] = %s;
$config['secretsalt'] = %s;
$config['auth.adminpassword'] = %s;
$config['technicalcontact_email'] = 'nobody@example.org';
$config['timezone'] = 'UTC';
$config['logging.handler'] = 'errorlog';
$config['logging.level'] = SimpleSAML\Logger::INFO;
$config['enable.saml20-idp'] = true;
$config['module.enable'] = ['exampleauth' => true, 'core' => true, 'saml' => true];
$config['store.type'] = 'phpsession';
$config['session.phpsession.savepath'] = %s;
$config['session.cookie.secure'] = false;
$config['language.default'] = 'en';
`, q(base), q(filepath.Join(dir, "cert")+"/"), q(filepath.Join(dir, "log")+"/"), q(filepath.Join(dir, "data")+"/"),
			q(filepath.Join(dir, "tmp")), q(filepath.Join(dir, "metadata")+"/"), q(randid.Base64URL(24)), q(randid.Base64URL(24)),
			q(filepath.Join(dir, "sessions"))),
		"authsources.php": `<?php
$config = [
    'admin' => ['core:AdminPassword'],
    'gckey-users' => ['exampleauth:UserPass', 'alex:alex-password' => ['uid' => ['alex']]],
];
`,
		"metadata/saml20-idp-hosted.php": fmt.Sprintf(`<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => %s,
    'certificate' => %s,
    'auth' => 'gckey-users',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'authproc' => [
        10 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid', 'NameQualifier' => true, 'SPNameQualifier' => true],
        20 => ['class' => 'saml:AuthnContextClassRef', 'AuthnContextClassRef' => %s],
    ],
];
`, q(idp.KeyFile), q(idp.CertFile), q(loa2)),
		"metadata/saml20-sp-remote.php": fmt.Sprintf(`<?php
$metadata[%s] = [
    'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => %s]],
    'SingleLogoutService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'Location' => %s]],
    'certData' => %s,
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'validate.authnrequest' => true,
    'validate.logout' => true,
    'sign.logout' => true,
    'redirect.sign' => true,
    'assertion.encryption' => true,
    'sharedkey_algorithm' => 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
    'saml20.sign.assertion' => true,
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
`, q(issuer+"/providers/"+id+"/metadata"), q(issuer+"/callback/"+id), q(issuer+"/providers/"+id+"/slo"),
			q(base64.StdEncoding.EncodeToString(block.Bytes))),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSAMLSignInThroughSimpleSAMLphp: a person picks the SAML upstream,
// types their username and password into SimpleSAMLphp's own sign-in
// form, and comes back with an assertion SimpleSAMLphp signed and
// encrypted (the provider refuses plaintext ones); they set up an
// authenticator app, and the relying party gets tokens exactly as for an
// OpenID Connect upstream: a pairwise sub (never the NameID), acr from
// the factor, amr, nothing of the upstream. Logging out at the relying
// party goes through SimpleSAMLphp's Single Logout and back.
func TestSAMLSignInThroughSimpleSAMLphp(t *testing.T) {
	const id = "gckey-ssp"
	var ssp *sspIdP
	e := newEnvOpts(t, envOptions{rateLimit: testRateLimit, extra: func(issuer string) []broker.Upstream {
		sp := rsaPEM(t, t.TempDir(), "sp")
		ssp = startSSP(t, issuer, id, sp)
		p, err := saml.Open(id, saml.Config{IDPMetadataURL: ssp.metadataURL(), Keys: []saml.KeyPair{sp}, AMR: []string{"pwd"}},
			saml.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return []broker.Upstream{{ID: id, Name: map[string]string{"en": "GCKey (SimpleSAMLphp)", "fr": "CléGC (SimpleSAMLphp)"}, Provider: p}}
	}})
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.choose(b.Get(a.url), id)
	// SimpleSAMLphp's form posts back to its own page ("?") with the
	// AuthState of the page's address as a hidden field.
	login := p.Resp.Request.URL
	if !strings.HasSuffix(login.Path, "/loginuserpass.php") || !strings.Contains(p.Body, `name="AuthState"`) {
		t.Fatalf("no SimpleSAMLphp sign-in form at %s (%d): %.800s", login, p.Resp.StatusCode, p.Body)
	}
	to := login.Scheme + "://" + login.Host + login.Path + "?"
	v := url.Values{"AuthState": {login.Query().Get("AuthState")}, "username": {"alex"}, "password": {"alex-password"}}
	p = b.Post(to, v)
	to, v, ok := p.Action("/callback/" + id)
	if !ok || v.Get("SAMLResponse") == "" {
		t.Fatalf("SimpleSAMLphp posted no SAMLResponse to the ACS from %s (%d): %.800s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	if raw, _ := base64.StdEncoding.DecodeString(v.Get("SAMLResponse")); !strings.Contains(string(raw), "EncryptedAssertion") {
		t.Fatalf("SimpleSAMLphp's assertion is not encrypted: %s", raw)
	}
	p = b.Post(to, v)
	if to, v, ok := p.Action("/callback/" + id); ok { // the broker's re-post from its own origin
		p = b.Post(to, v)
	}
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa") {
		t.Fatalf("after the SAML sign-in, want the second factor, landed on %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	tok, err := r.exchange(r.callback(b.totpMFA(p, id+"/alex"), a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	links, err := e.store.ListLinks(t.Context(), sessionAccount(t, e, b))
	if err != nil || len(links) != 1 || !strings.HasPrefix(links[0].Subject, ssp.metadataURL()+"!"+e.issuer+"/providers/"+id+"/metadata!") {
		t.Fatalf("the account's link is not the persistent NameID triple: %v %v", links, err)
	}
	wantTokensAsForOIDC(t, tok, strings.TrimPrefix(links[0].Subject, ssp.metadataURL()+"!"+e.issuer+"/providers/"+id+"/metadata!"))

	// Logging out at the relying party goes through SimpleSAMLphp's
	// Single Logout (it checks the signed LogoutRequest, validate.logout)
	// and back, by its signed LogoutResponse, to the relying party.
	v = url.Values{"id_token_hint": {tok.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p = b.Get(e.issuer + "/end_session?" + v.Encode())
	if loc := p.Resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://rp1.example/bye") || !strings.Contains(loc, "state=s1") ||
		p.Resp.Request.URL.Path != "/providers/"+id+"/slo" {
		t.Fatalf("end_session ended at %s %d %q: %.600s", p.Resp.Request.URL, p.Resp.StatusCode, loc, p.Body)
	}
	if !strings.Contains(ssp.log.String(), "SingleLogoutService") {
		t.Errorf("SimpleSAMLphp never saw the LogoutRequest")
	}
}

// sessionAccount is the account of b's session at the broker.
func sessionAccount(t *testing.T, e *env, b *browser) string {
	t.Helper()
	u, _ := url.Parse(e.issuer)
	for _, c := range b.HTTP.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "passerelle-session") {
			s, err := e.store.GetSession(t.Context(), broker.SessionKey(c.Value))
			if err != nil {
				t.Fatal(err)
			}
			return s.AccountID
		}
	}
	t.Fatal("the browser has no session at the broker")
	return ""
}

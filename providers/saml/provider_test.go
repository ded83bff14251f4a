package saml

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml/xmlenc"

	"github.com/passerelle/passerelle/providers"
)

func TestSignInThroughIdP(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cipher xmlenc.BlockCipher
	}{
		{"AES-128-CBC as GCKey", xmlenc.AES128CBC},
		{"AES-128-GCM", xmlenc.AES128GCM},
		{"the IdP's choice from the SP metadata", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ti := newTestIdP(t, env{cipher: tc.cipher})
			flow := testFlow("1")
			form := ti.signIn(flow)
			if form.Get("RelayState") != flow.State {
				t.Fatalf("RelayState %q, want the flow's state", form.Get("RelayState"))
			}
			raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
			if !bytes.Contains(raw, []byte("EncryptedAssertion")) || bytes.Contains(raw, []byte("pai-7f3a9c")) {
				t.Fatalf("the IdP did not encrypt the assertion")
			}
			ident, sess, err := ti.post(flow, form)
			if err != nil {
				t.Fatal(err)
			}
			idpID, spID := ti.srv.URL+"/metadata", ti.spSrv.URL+"/providers/gckey/metadata"
			if want := idpID + "!" + spID + "!pai-7f3a9c"; ident.Subject != want {
				t.Errorf("subject %q, want the persistent NameID triple %q", ident.Subject, want)
			}
			if ident.ACR != LoA2 || ident.Email != "" || ident.AuthTime.IsZero() {
				t.Errorf("identity %+v: want acr loa2, no email, an auth time", ident)
			}
			if sess.SessionIndex != "idx-42" || sess.NameID.Value != "pai-7f3a9c" {
				t.Errorf("session %+v", sess)
			}
		})
	}
}

func TestAuthnRequest(t *testing.T) {
	ti := newTestIdP(t, env{})
	leg := testFlow("1")
	leg.CallbackURL = ti.urls().Callback
	to, _, err := ti.p.LoginURL(t.Context(), leg, providers.LoginOptions{ForceLogin: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	q := u.Query()
	if q.Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" || q.Get("Signature") == "" {
		t.Errorf("the redirect is not signed with RSA-SHA256: %v", q)
	}
	deflated, _ := base64.StdEncoding.DecodeString(q.Get("SAMLRequest"))
	xmlReq, _ := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	s := string(xmlReq)
	for _, want := range []string{
		`ID="_nonce1"`,
		`Comparison="exact"`,
		`>` + LoA2 + `<`, `>` + LoA3 + `<`,
		`Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"`,
		`ForceAuthn="true"`,
		`AssertionConsumerServiceURL="` + ti.spSrv.URL + `/callback/gckey"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("AuthnRequest lacks %s:\n%s", want, s)
		}
	}
}

func TestMetadataPublishesBothKeys(t *testing.T) {
	ti := newTestIdP(t, env{})
	md, err := ti.p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	s := string(md)
	for _, k := range []keyPair{spKey1, spKey2} {
		cert := base64.StdEncoding.EncodeToString(k.cert.Raw)
		if strings.Count(s, cert) != 2 {
			t.Errorf("metadata should list each key for signing and encryption:\n%s", s)
		}
	}
	for _, want := range []string{`AuthnRequestsSigned="true"`, `WantAssertionsSigned="true"`,
		`/callback/gckey"`, `/providers/gckey/slo"`, "nameid-format:persistent"} {
		if !strings.Contains(s, want) {
			t.Errorf("metadata lacks %s", want)
		}
	}
}

// TestKeyRollover: the IdP still holds the SP metadata of before the
// rollover (the old key only) while Passerelle already signs with the new
// key; assertions encrypted to the old key still open.
func TestKeyRollover(t *testing.T) {
	ti := newTestIdP(t, env{cfg: func(c *Config) { c.Keys = c.Keys[:1] }})
	flow := testFlow("1")
	form := ti.signIn(flow)
	dir := t.TempDir()
	cfg := ti.p.cfg
	cfg.Keys = []KeyPair{writeKeyPair(t, dir, "new", spKey2), writeKeyPair(t, dir, "old", spKey1)}
	rolled, err := Open("gckey", cfg, Options{URLs: ti.urls(), Hits: boltHits(t, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	ti.p = rolled
	if _, _, err := ti.post(flow, form); err != nil {
		t.Fatalf("an assertion encrypted to the previous key was refused: %v", err)
	}
}

func TestIdPStatusIsDenied(t *testing.T) {
	for _, status := range []string{"urn:oasis:names:tc:SAML:2.0:status:AuthnFailed", "urn:oasis:names:tc:SAML:2.0:status:NoPassive"} {
		ti := newTestIdP(t, env{})
		ti.status = status
		flow := testFlow("1")
		_, _, err := ti.post(flow, ti.signIn(flow))
		if !errors.Is(err, providers.ErrDenied) {
			t.Errorf("%s: got %v, want ErrDenied", status, err)
		}
	}
}

func TestLevelBelowRequestedRefusedByIdP(t *testing.T) {
	ti := newTestIdP(t, env{})
	ti.level = LoA1 // the IdP could only reach level 1
	flow := testFlow("1")
	_, _, err := ti.post(flow, ti.signIn(flow))
	if !errors.Is(err, providers.ErrDenied) {
		t.Errorf("got %v, want ErrDenied (NoAuthnContext)", err)
	}
}

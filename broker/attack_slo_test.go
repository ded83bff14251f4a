package broker_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	crewsaml "github.com/crewjam/saml"
)

// TestAttackForgedIdPLogoutEndsNoSession: IdP-initiated logout at
// /providers/{id}/slo ends the sessions a person's upstream sign-in
// started, so it is worth forging. An attacker who holds the person's password but not the
// IdP's key takes a real LogoutRequest (seen in their own browser's
// history, say) and sends it without its signature, or with the signature
// altered; neither may end the person's sessions.
func TestAttackForgedIdPLogoutEndsNoSession(t *testing.T) {
	e, s := newSAMLEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.choose(b.Get(a.url), "gckey-saml")
	to, v, _ := p.Action("/callback/gckey-saml")
	p = postACS(b, b.Post(to, v))
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	if _, err := r.exchange(r.callback(b.totpMFA(p, "gckey-saml/alex"), a).Get("code"), a); err != nil {
		t.Fatal(err)
	}
	subject := s.srv.URL + "/metadata!" + e.issuer + "/providers/gckey-saml/metadata!pai-0a1b2c"
	link, err := e.store.GetLink(t.Context(), "gckey-saml", subject)
	if err != nil {
		t.Fatalf("the account is not linked to the NameID triple: %v", err)
	}

	w := httptest.NewRecorder()
	s.idp.StartLogout(w, httptest.NewRequest(http.MethodGet, s.srv.URL+"/logout", nil), &crewsaml.Session{ID: "s1"}, s.srv.URL+"/bye")
	slo, err := url.Parse(w.Result().Header.Get("Location"))
	if err != nil || !strings.HasPrefix(slo.String(), e.issuer+"/providers/gckey-saml/slo?") || slo.Query().Get("Signature") == "" {
		t.Fatalf("no signed LogoutRequest from the IdP: %v %v", slo, err)
	}
	unsigned := slo.Query()
	unsigned.Del("Signature")
	unsigned.Del("SigAlg")
	altered := slo.Query()
	sig := []byte(altered.Get("Signature"))
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	altered.Set("Signature", string(sig))
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for what, q := range map[string]url.Values{"unsigned": unsigned, "altered signature": altered} {
		u := *slo
		u.RawQuery = q.Encode()
		resp, err := c.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s LogoutRequest: %s, want 400", what, resp.Status)
		}
	}
	// The person's sessions are all still there.
	if n, err := e.store.DeleteSessionsByAccount(t.Context(), link.AccountID); err != nil || n == 0 {
		t.Errorf("a forged LogoutRequest ended the account's sessions (%d left, %v)", n, err)
	}
}

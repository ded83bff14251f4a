package broker_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	crewsaml "github.com/crewjam/saml"
	"golang.org/x/oauth2"
)

// samlSignedIn signs a person in through the SAML upstream in b, all the
// way to the relying party's tokens (the account is created at the first
// sign-in, the authenticator app set up or used).
func samlSignedIn(t *testing.T, e *env, r *rp, b *browser) tokens {
	t.Helper()
	a := r.start()
	p := samlSignIn(t, b, a)
	if to, v, ok := p.Action("/first/create"); ok {
		p = b.Post(to, v)
	}
	tok, err := r.exchange(r.callback(b.totpMFA(p, "gckey-saml/alex"), a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// samlAccount is the account linked to the test IdP's person.
func samlAccount(t *testing.T, e *env, s *samlIdP) string {
	t.Helper()
	subject := s.srv.URL + "/metadata!" + e.issuer + "/providers/gckey-saml/metadata!pai-0a1b2c"
	link, err := e.store.GetLink(t.Context(), "gckey-saml", subject)
	if err != nil {
		t.Fatalf("the account is not linked to the NameID triple: %v", err)
	}
	return link.AccountID
}

// upstreamIndexes are the upstream SessionIndexes of the account's live
// sessions.
func upstreamIndexes(t *testing.T, e *env, account string) []string {
	t.Helper()
	sessions, err := e.store.ListSessions(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range sessions {
		if s.Upstream == nil {
			t.Fatalf("session %s keeps no upstream sign-in", s.ID)
		}
		out = append(out, s.Upstream.Index)
	}
	return out
}

// TestSAMLLogoutFromIdPEndsThatSignIn: the person signed in twice, in two
// browsers (IdP sessions idx-1 and idx-2); signing out of the first at
// the IdP sends Passerelle a LogoutRequest at /providers/{id}/slo naming
// the NameID and idx-1, which ends exactly that Passerelle session, and
// the IdP is told Success.
func TestSAMLLogoutFromIdPEndsThatSignIn(t *testing.T) {
	e, s := newSAMLEnv(t)
	r := e.rp("rp1")
	samlSignedIn(t, e, r, e.browser())
	samlSignedIn(t, e, r, e.browser())
	account := samlAccount(t, e, s)
	if got := upstreamIndexes(t, e, account); len(got) != 2 {
		t.Fatalf("sessions with upstream sign-ins %v, want idx-1 and idx-2", got)
	}

	w := httptest.NewRecorder()
	s.idp.StartLogout(w, httptest.NewRequest(http.MethodGet, s.srv.URL+"/logout", nil), &crewsaml.Session{ID: "s1"}, s.srv.URL+"/bye")
	slo := w.Result().Header.Get("Location")
	if !strings.HasPrefix(slo, e.issuer+"/providers/gckey-saml/slo?SAMLRequest=") {
		t.Fatalf("the IdP sent its LogoutRequest to %q", slo)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(slo)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || back == nil || back.Query().Get("SAMLResponse") == "" {
		t.Fatalf("SLO answered %s to %v", resp.Status, back)
	}
	deflated, _ := base64.StdEncoding.DecodeString(back.Query().Get("SAMLResponse"))
	xmlResp, _ := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if !strings.Contains(string(xmlResp), "status:Success") {
		t.Errorf("LogoutResponse is not Success: %s", xmlResp)
	}
	if got := upstreamIndexes(t, e, account); len(got) != 1 || got[0] != "idx-2" {
		t.Fatalf("after the IdP ended idx-1, sessions left %v, want idx-2 only", got)
	}
}

// TestSAMLLogoutAtPasserelleReachesIdP: the person logs out at the
// relying party (/end_session with its ID token): Passerelle ends its
// session, sends the browser to the IdP with a signed LogoutRequest
// naming the NameID and SessionIndex, takes the IdP's signed
// LogoutResponse at /providers/{id}/slo, and goes on to the relying
// party's post_logout_redirect_uri with its state. The other sign-in's
// session is untouched.
func TestSAMLLogoutAtPasserelleReachesIdP(t *testing.T) {
	e, s := newSAMLEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := samlSignedIn(t, e, r, b)
	samlSignedIn(t, e, r, e.browser())
	account := samlAccount(t, e, s)

	v := url.Values{"id_token_hint": {tok.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}, "state": {"s1"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	if loc := p.Resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://rp1.example/bye") || !strings.Contains(loc, "state=s1") {
		t.Fatalf("end_session ended at %s %d %q: %.400s", p.Resp.Request.URL, p.Resp.StatusCode, loc, p.Body)
	}
	if p.Resp.Request.URL.Path != "/providers/gckey-saml/slo" {
		t.Errorf("the last hop was %s, not the IdP's answer at the SLO route", p.Resp.Request.URL)
	}
	if got := upstreamIndexes(t, e, account); len(got) != 1 || got[0] != "idx-2" {
		t.Fatalf("sessions left %v, want the other browser's idx-2 only", got)
	}
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(b.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("session survived end_session: %v", q)
	}
}

// TestAttackUpstreamLogoutAnswerElsewhere: the IdP's answer to a logout
// is bound to the browser that started it. An attacker who captures the
// SLO URL the IdP sent back (a LogoutResponse with its relay state) and
// opens it in their own browser gets the "could not be verified" page,
// never a redirect.
func TestAttackUpstreamLogoutAnswerElsewhere(t *testing.T) {
	e, _ := newSAMLEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := samlSignedIn(t, e, r, b)
	b.HTTP.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/providers/gckey-saml/slo" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	v := url.Values{"id_token_hint": {tok.raw}, "post_logout_redirect_uri": {"https://rp1.example/bye"}}
	p := b.Get(e.issuer + "/end_session?" + v.Encode())
	answer := p.Resp.Header.Get("Location")
	if !strings.HasPrefix(answer, e.issuer+"/providers/gckey-saml/slo?SAMLResponse=") {
		t.Fatalf("the IdP did not answer at the SLO route: %s %q", p.Resp.Request.URL, answer)
	}
	attacker := e.browser()
	attacker.Get(e.issuer + "/") // a browser cookie of its own
	p = attacker.Get(answer)
	if p.Resp.StatusCode != http.StatusBadRequest || p.Resp.Header.Get("Location") != "" || !strings.Contains(string(p.Body), "could not be verified") {
		t.Errorf("the answer in another browser: %d %q: %.300s", p.Resp.StatusCode, p.Resp.Header.Get("Location"), p.Body)
	}
}

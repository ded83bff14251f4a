package saml

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// The test IdP tracks which SP took part in its session and ends it on
// request, so both directions of Single Logout run against it.

func (ti *testIdP) AddSessionParticipant(_ *http.Request, _ *crewsaml.Session, sp crewsaml.SessionParticipant) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.participants = append(ti.participants, sp)
	return nil
}

func (ti *testIdP) SessionParticipants(_ *http.Request, match func(*crewsaml.Session) bool) ([]crewsaml.SessionParticipant, error) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return append([]crewsaml.SessionParticipant(nil), ti.participants...), nil
}

func (ti *testIdP) InvalidateSession(http.ResponseWriter, *http.Request, *crewsaml.IdpLogoutRequest) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.ended = true
	return nil
}

// get fetches u without following redirects, with cookies.
func get(t *testing.T, u string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, _ := http.NewRequest(http.MethodGet, u, nil)
	for _, k := range cookies {
		r.AddCookie(k)
	}
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestLogoutFromPasserelle(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	_, sess, err := ti.post(flow, ti.signIn(flow))
	if err != nil {
		t.Fatal(err)
	}
	to, id, err := ti.p.LogoutURL(t.Context(), sess, "rs")
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, to)
	if resp.StatusCode != http.StatusFound || !ti.ended {
		t.Fatalf("IdP answered %s (session ended: %v)", resp.Status, ti.ended)
	}
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, ti.spSrv.URL+"/providers/gckey/slo?") {
		t.Fatalf("LogoutResponse sent to %s", back)
	}
	r := httptest.NewRequest(http.MethodGet, back, nil)
	if err := ti.p.HandleLogoutResponse(t.Context(), r, "_other"); !errors.Is(err, providers.ErrUpstream) || !strings.Contains(err.Error(), "InResponseTo") {
		t.Errorf("a LogoutResponse to another request: got %v, want a refusal of its InResponseTo", err)
	}
	if err := ti.p.HandleLogoutResponse(t.Context(), r, id); err != nil {
		t.Fatal(err)
	}
	tampered := httptest.NewRequest(http.MethodGet, strings.Replace(back, "RelayState=rs", "RelayState=xx", 1), nil)
	if err := ti.p.HandleLogoutResponse(t.Context(), tampered, id); !errors.Is(err, providers.ErrUpstream) || !errors.Is(err, rsa.ErrVerification) {
		t.Errorf("a LogoutResponse whose signed query was changed: got %v, want a refusal of its signature", err)
	}
}

func TestLogoutFromIdP(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	ident, _, err := ti.post(flow, ti.signIn(flow))
	if err != nil {
		t.Fatal(err)
	}
	// The person signs out at the IdP, which sends Passerelle a
	// LogoutRequest by HTTP-Redirect.
	w := httptest.NewRecorder()
	ti.idp.StartLogout(w, httptest.NewRequest(http.MethodGet, ti.srv.URL+"/logout", nil), &crewsaml.Session{ID: "s1"}, ti.srv.URL+"/bye")
	to := w.Result().Header.Get("Location")
	if !strings.HasPrefix(to, ti.spSrv.URL+"/providers/gckey/slo?") {
		t.Fatalf("IdP sent the LogoutRequest to %q (%d)", to, w.Code)
	}
	r := httptest.NewRequest(http.MethodGet, to, nil)
	req, err := ti.p.HandleLogoutRequest(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if req.NameID.Subject() != ident.Subject || len(req.SessionIndexes) != 1 || req.SessionIndexes[0] != "idx-42" {
		t.Fatalf("LogoutRequest %+v does not name the sign-in %q", req, ident.Subject)
	}
	_, err = ti.p.HandleLogoutRequest(t.Context(), httptest.NewRequest(http.MethodGet, to, nil))
	if !errors.Is(err, providers.ErrUpstream) || !errors.Is(err, crewsaml.ErrAssertionReplayed) {
		t.Errorf("a replayed LogoutRequest: got %v, want a refusal as a replay", err)
	}
	u, _ := url.Parse(to)
	q := u.Query()
	q.Set("Signature", "AAAA"+q.Get("Signature")[4:])
	u.RawQuery = q.Encode()
	_, err = ti.p.HandleLogoutRequest(t.Context(), httptest.NewRequest(http.MethodGet, u.String(), nil))
	if !errors.Is(err, providers.ErrUpstream) || !errors.Is(err, rsa.ErrVerification) {
		t.Errorf("a LogoutRequest with a broken signature: got %v, want a refusal of its signature", err)
	}
	back, err := ti.p.LogoutResponseURL(t.Context(), req.ID, req.RelayState, true)
	if err != nil {
		t.Fatal(err)
	}
	if resp := get(t, back, w.Result().Cookies()...); resp.StatusCode >= 400 {
		t.Fatalf("the IdP refused Passerelle's LogoutResponse: %s", resp.Status)
	}
}

// TestLogoutFromIdPThroughRoute: the IdP's LogoutRequest arrives at the
// provider's own route (GET Base+"slo"), which ends the person's
// sessions through EndSessions and answers the IdP with a signed
// LogoutResponse it accepts.
func TestLogoutFromIdPThroughRoute(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	ident, _, err := ti.post(flow, ti.signIn(flow))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	ti.idp.StartLogout(w, httptest.NewRequest(http.MethodGet, ti.srv.URL+"/logout", nil), &crewsaml.Session{ID: "s1"}, ti.srv.URL+"/bye")
	resp := get(t, w.Result().Header.Get("Location"))
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back, ti.srv.URL+"/slo?SAMLResponse=") {
		t.Fatalf("the SLO route answered %s, to %q", resp.Status, back)
	}
	if len(ti.loggedOut) != 1 || ti.loggedOut[0] != ident.Subject+" idx-42" {
		t.Fatalf("EndSessions calls %q, want the signed-in subject and its session index", ti.loggedOut)
	}
	if resp := get(t, back, w.Result().Cookies()...); resp.StatusCode >= 400 {
		t.Fatalf("the IdP refused Passerelle's LogoutResponse: %s", resp.Status)
	}
	if resp := get(t, ti.spSrv.URL+"/providers/gckey/slo?SAMLRequest=AAAA"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a garbage LogoutRequest: %s", resp.Status)
	}
}

// TestStartLogoutThroughRoute: the broker starts a logout with the
// subject and SessionIndex it kept; the IdP ends its session and answers
// at the SLO route, which hands the checked answer and the relay state to
// LogoutDone. The answer moved under another relay state reaches
// LogoutDone as a refusal; a request with neither message
// gets the error page.
func TestStartLogoutThroughRoute(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	ident, _, err := ti.post(flow, ti.signIn(flow))
	if err != nil {
		t.Fatal(err)
	}
	if ident.SessionIndex != "idx-42" {
		t.Fatalf("Identity.SessionIndex = %q, want the IdP's idx-42", ident.SessionIndex)
	}
	to, err := ti.p.StartLogout(t.Context(), ident.Subject, ident.SessionIndex, "relay-1")
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, to)
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !ti.ended || !strings.HasPrefix(back, ti.spSrv.URL+"/providers/gckey/slo?") {
		t.Fatalf("IdP answered %s to %q (session ended: %v)", resp.Status, back, ti.ended)
	}
	if resp := get(t, back); resp.StatusCode != http.StatusNoContent || len(ti.logoutsDone) != 1 || ti.logoutsDone[0] != "relay-1 <nil>" {
		t.Fatalf("SLO route: %s, LogoutDone calls %q", resp.Status, ti.logoutsDone)
	}
	other := strings.Replace(back, "RelayState=relay-1", "RelayState=relay-2", 1)
	get(t, other)
	if len(ti.logoutsDone) != 2 || !strings.HasPrefix(ti.logoutsDone[1], "relay-2 upstream failure") {
		t.Fatalf("a LogoutResponse under another relay state: LogoutDone calls %q", ti.logoutsDone)
	}
	if _, err := ti.p.StartLogout(t.Context(), "another-idp!sp!pai", "", "relay-3"); !errors.Is(err, providers.ErrUpstream) {
		t.Errorf("a subject of another IdP: got %v", err)
	}
	if resp := get(t, ti.spSrv.URL+"/providers/gckey/slo"); resp.StatusCode != http.StatusBadRequest ||
		len(ti.refusals) != 1 || !errors.Is(ti.refusals[0], providers.ErrState) {
		t.Fatalf("SLO without a message: %s, refusals %v", resp.Status, ti.refusals)
	}
}

// logoutDone records the end of a logout the broker started, as the
// broker would go on with it.
func (ti *testIdP) logoutDone(w http.ResponseWriter, _ *http.Request, relay string, err error) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.logoutsDone = append(ti.logoutsDone, fmt.Sprintf("%s %v", relay, err))
	w.WriteHeader(http.StatusNoContent)
}

// errorPage records a refusal, as the broker's page would show it.
func (ti *testIdP) errorPage(w http.ResponseWriter, _ *http.Request, err error) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.refusals = append(ti.refusals, err)
	w.WriteHeader(http.StatusBadRequest)
}

package demorp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/demorp"
)

func TestSignInRefreshSignOut(t *testing.T) {
	e := newEnv(t, nil, func(is *issuer) { is.endSession, is.giveRefresh, is.honourRefresh = true, true, true })
	resp, body := e.signIn(t, "signin")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != e.base()+"/" {
		t.Fatalf("sign-in ended at %s with status %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	e.checkPage(t, body)
	sub := e.subject(t)
	for _, want := range []string{"You are signed in", "Vous êtes connecté", `&#34;sub&#34;: &#34;` + sub + `&#34;`,
		"alice@example.ca", "UserInfo", "Expires at", "Renouveler les jetons", "Se déconnecter"} {
		if !strings.Contains(body, want) {
			t.Errorf("signed-in page lacks %q\n%s", want, body)
		}
	}
	if strings.Count(body, sub) != 2 {
		t.Errorf("want the sub in the claims and the UserInfo answer")
	}

	// Refresh: the wrapper rotates the refresh token and replays the ID token.
	csrf := hidden(t, body).Get("csrf")
	resp, body = e.do(t, http.MethodPost, e.base()+"/refresh", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != e.base()+"/" {
		t.Fatalf("refresh ended at %s with status %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	e.checkPage(t, body)
	for _, want := range []string{"Tokens refreshed", "Jetons renouvelés", "The refresh token rotated", sub} {
		if !strings.Contains(body, want) {
			t.Errorf("refreshed page lacks %q\n%s", want, body)
		}
	}
	// A second refresh presents the rotated token, which the wrapper wants.
	resp, body = e.do(t, http.MethodPost, e.base()+"/refresh", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The refresh token rotated") {
		t.Fatalf("second refresh: status %d\n%s", resp.StatusCode, body)
	}
	if _, body = e.do(t, http.MethodGet, e.base()+"/", nil); strings.Contains(body, "Tokens refreshed") {
		t.Error("the refresh notice is shown more than once")
	}

	// Sign-out needs the form's CSRF token.
	resp, _ = e.do(t, http.MethodPost, e.base()+"/logout", url.Values{"csrf": {"forged"}})
	if resp.Request.URL.String() != e.base()+"/" {
		t.Fatalf("forged logout went to %s", resp.Request.URL)
	}
	e.is.mu.Lock()
	idToken := e.is.last["id_token"].(string)
	e.is.mu.Unlock()
	resp, _ = e.do(t, http.MethodPost, e.base()+"/logout", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.issuer()+"/end_session" {
		t.Errorf("logout went to %s", got)
	}
	if q.Get("id_token_hint") != idToken || q.Get("post_logout_redirect_uri") != e.base()+"/" || q.Get("state") == "" || q.Get("client_id") != clientID {
		t.Errorf("end_session parameters: %v", q)
	}

	// Back from the issuer, the local session is gone.
	resp, body = e.do(t, http.MethodGet, e.base()+"/?state="+url.QueryEscape(q.Get("state")), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are signed out") || strings.Contains(body, sub) {
		t.Errorf("after logout: status %d\n%s", resp.StatusCode, body)
	}
	if _, body = e.do(t, http.MethodGet, e.base()+"/?state=other", nil); strings.Contains(body, "You are signed out") {
		t.Error("signed-out notice shown for a foreign state")
	}
}

// demoidp issues no refresh token and refuses the refresh_token grant.
func TestRefreshErrors(t *testing.T) {
	t.Run("no refresh token", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		_, body := e.signIn(t, "signin")
		resp, body := e.do(t, http.MethodPost, e.base()+"/refresh", url.Values{"csrf": {hidden(t, body).Get("csrf")}})
		wantFailure(t, resp, body, http.StatusBadRequest, "no_refresh_token", "You are signed in", e.subject(t))
		e.checkPage(t, body)
	})
	t.Run("refused by the issuer", func(t *testing.T) {
		e := newEnv(t, nil, func(is *issuer) { is.giveRefresh = true })
		_, body := e.signIn(t, "signin")
		resp, body := e.do(t, http.MethodPost, e.base()+"/refresh", url.Values{"csrf": {hidden(t, body).Get("csrf")}})
		wantFailure(t, resp, body, http.StatusBadGateway, "refresh_failed", "unsupported_grant_type", "You are signed in")
		e.checkPage(t, body)
	})
	t.Run("not signed in", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		resp, body := e.do(t, http.MethodPost, e.base()+"/refresh", url.Values{"csrf": {"x"}})
		wantFailure(t, resp, body, http.StatusBadRequest, "not_signed_in", "Se connecter")
	})
}

// Without an end_session_endpoint, logout comes straight back.
func TestLocalLogout(t *testing.T) {
	e := newEnv(t, nil, nil)
	_, body := e.signIn(t, "signin")
	e.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := e.do(t, http.MethodPost, e.base()+"/logout", url.Values{"csrf": {hidden(t, body).Get("csrf")}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.base()+"/?state=") {
		t.Fatalf("logout: status %d, Location %q", resp.StatusCode, loc)
	}
	_, body = e.do(t, http.MethodGet, loc, nil)
	if !strings.Contains(body, "Vous êtes déconnecté") || !strings.Contains(body, "Se connecter") {
		t.Errorf("after logout:\n%s", body)
	}
}

func TestCallbackErrors(t *testing.T) {
	t.Run("state mismatch", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		e.do(t, http.MethodGet, e.base()+"/", nil)
		e.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, _ := e.do(t, http.MethodPost, e.base()+"/login", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: status %d", resp.StatusCode)
		}
		resp, body := e.do(t, http.MethodGet, e.base()+"/callback?code=abc&state=forged", nil)
		wantFailure(t, resp, body, http.StatusBadRequest, "state_mismatch")
		e.checkPage(t, body)
	})
	t.Run("no session", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		resp, body := e.do(t, http.MethodGet, e.base()+"/callback?code=abc&state=abc", nil)
		wantFailure(t, resp, body, http.StatusBadRequest, "state_mismatch")
	})
	t.Run("cancelled", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		resp, body := e.signIn(t, "cancel")
		wantFailure(t, resp, body, http.StatusForbidden, "access_denied", "You are not signed in", "Vous n’êtes pas connecté", "declined the service’s terms of use")
		e.checkPage(t, body)
	})
	for name, faults := range map[string]demoidp.Faults{
		"unpublished key":  {UnpublishedKey: true},
		"wrong issuer":     {TokenIssuer: "https://elsewhere.example"},
		"userinfo subject": {UserinfoSubject: "someone-else"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(c *demoidp.Config) { c.Faults = faults }, nil)
			resp, body := e.signIn(t, "signin")
			code := "id_token_invalid"
			if faults.UserinfoSubject != "" {
				code = "userinfo_subject_mismatch"
			}
			wantFailure(t, resp, body, http.StatusBadGateway, code)
			if strings.Contains(body, "You are signed in") {
				t.Error("signed in despite the fault")
			}
		})
	}
}

func TestLoginRequest(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := e.do(t, http.MethodPost, e.base()+"/login", url.Values{
		"prompt": {"login"}, "acr_values": {"urn:gc-ca:cyber-auth:assurance:loa2"}, "ui_locales": {"fr"}, "idp_hint": {"bank-a"},
		"scope": {"admin"},
	})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, %v", resp.StatusCode, err)
	}
	q := loc.Query()
	want := map[string]string{
		"response_type": "code", "client_id": clientID, "redirect_uri": e.base() + "/callback",
		"scope": "openid profile email offline_access", "code_challenge_method": "S256",
		"prompt": "login", "acr_values": "urn:gc-ca:cyber-auth:assurance:loa2", "ui_locales": "fr", "idp_hint": "bank-a",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("%s = %q, want a random value", k, q.Get(k))
		}
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		cookie = c
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/rp/" {
		t.Errorf("session cookie %+v", cookie)
	}

	// Only the offered values pass.
	resp, _ = e.do(t, http.MethodGet, e.base()+"/login?prompt=none&idp_hint=evil", nil)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if q := loc.Query(); q.Has("prompt") || q.Has("idp_hint") {
		t.Errorf("unoffered options passed: %v", q)
	}
}

// The relying party may start before the issuer: New does not contact
// it, and discovery is retried until it works.
func TestLazyDiscovery(t *testing.T) {
	e := newEnv(t, nil, func(is *issuer) { is.down = true })
	resp, body := e.do(t, http.MethodGet, e.base()+"/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("portal: status %d", resp.StatusCode)
	}
	resp, body = e.do(t, http.MethodPost, e.base()+"/login", nil)
	wantFailure(t, resp, body, http.StatusBadGateway, "discovery_failed")
	e.is.mu.Lock()
	e.is.down = false
	e.is.mu.Unlock()
	if resp, body = e.signIn(t, "signin"); !strings.Contains(body, "You are signed in") {
		t.Fatalf("sign-in after the issuer came up: status %d\n%s", resp.StatusCode, body)
	}
}

func TestStylesheet(t *testing.T) {
	e := newEnv(t, nil, nil)
	resp, body := e.do(t, http.MethodGet, e.base()+"/style.css", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, ".demo-banner") {
		t.Errorf("style.css: status %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestNewChecksConfig(t *testing.T) {
	good := demorp.Config{Issuer: "http://localhost:8080", ClientID: "c", ClientSecret: "s", BaseURL: "http://127.0.0.1:1/rp"}
	if _, err := demorp.New(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*demorp.Config){
		"issuer":         func(c *demorp.Config) { c.Issuer = "localhost" },
		"client id":      func(c *demorp.Config) { c.ClientID = "" },
		"client secret":  func(c *demorp.Config) { c.ClientSecret = "" },
		"trailing slash": func(c *demorp.Config) { c.BaseURL += "/" },
		"relative base":  func(c *demorp.Config) { c.BaseURL = "/rp" },
	} {
		c := good
		edit(&c)
		if _, err := demorp.New(c); err == nil {
			t.Errorf("%s: New accepted %+v", name, c)
		}
	}
}

// TestNameAndServices: a named portal shows its own name and links every
// demo portal, itself marked as the current page.
func TestNameAndServices(t *testing.T) {
	services := []demorp.Service{
		{Name: demorp.Text{En: "Government portal", Fr: "Portail gouvernemental"}, URL: "http://127.0.0.1:1/rp/"},
		{Name: demorp.Text{En: "Trusted-trader portal", Fr: "Portail des négociants"}, URL: "http://127.0.0.1:1/trader/"},
	}
	h, err := demorp.New(demorp.Config{Issuer: "http://127.0.0.1:2", ClientID: "demo-trader", ClientSecret: "s",
		BaseURL: "http://127.0.0.1:1/trader", Name: demorp.Text{En: "Trusted-trader portal (demonstration)", Fr: "Portail des négociants (démonstration)"},
		About: demorp.Text{En: "Terms at every sign-in.", Fr: "Conditions à chaque connexion."}, Services: services})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1/trader/", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`<h1>Trusted-trader portal (demonstration) / <span lang="fr">Portail des négociants (démonstration)</span></h1>`,
		"Terms at every sign-in.", `<p lang="fr">Conditions à chaque connexion.</p>`,
		`<a href="http://127.0.0.1:1/rp/">Government portal`,
		`<a href="http://127.0.0.1:1/trader/" aria-current="page">Trusted-trader portal`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q\n%s", want, body)
		}
	}
	if strings.Contains(body, "Government portal (demonstration)") {
		t.Errorf("the trader portal shows the default name")
	}
	if _, err := demorp.New(demorp.Config{Issuer: "http://127.0.0.1:2", ClientID: "c", ClientSecret: "s", BaseURL: "http://127.0.0.1:1/rp",
		Services: []demorp.Service{{URL: "/relative"}}}); err == nil {
		t.Error("a service without an absolute URL or names was accepted")
	}
}

// TestTwoTabs: a sign-in started in two tabs of one browser is answered
// in both, in either order (each answer carries its own state), and each
// answer only once.
func TestTwoTabs(t *testing.T) {
	e := newEnv(t, nil, nil)
	start := func() url.Values { // /login, then demoidp's form filled in
		t.Helper()
		resp, body := e.do(t, http.MethodPost, e.base()+"/login", url.Values{})
		if resp.Request.URL.Path != "/idp/authorize" {
			t.Fatalf("login ended at %s", resp.Request.URL)
		}
		form := hidden(t, body)
		form.Set("username", "alice")
		form.Set("password", "pw")
		form.Set("action", "signin")
		return form
	}
	first, second := start(), start()
	var callbacks []string
	e.browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/rp/callback" {
			callbacks = append(callbacks, req.URL.String())
			return http.ErrUseLastResponse
		}
		return nil
	}
	e.do(t, http.MethodPost, e.issuer()+"/authorize", second)
	e.do(t, http.MethodPost, e.issuer()+"/authorize", first)
	if len(callbacks) != 2 {
		t.Fatalf("answers: %v", callbacks)
	}
	e.browser.CheckRedirect = nil
	for i, cb := range callbacks { // the second tab's answer first
		resp, body := e.do(t, http.MethodGet, cb, nil)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != e.base()+"/" || !strings.Contains(body, "You are signed in") {
			t.Fatalf("answer %d ended at %s with status %d\n%s", i, resp.Request.URL, resp.StatusCode, body)
		}
	}
	resp, body := e.do(t, http.MethodGet, callbacks[0], nil)
	wantFailure(t, resp, body, http.StatusBadRequest, "state_mismatch")
}

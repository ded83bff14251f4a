package demorp_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/demorp"
	"github.com/passerelle/passerelle/internal/htmlform"
)

const (
	clientID     = "demo-portal"
	clientSecret = "portal secret"
)

// issuer plays Passerelle: a demoidp.Server behind a wrapper that can
// refuse discovery, announce an end_session_endpoint, and hand out
// refresh tokens. demoidp supports only the authorization_code grant, so
// when honourRefresh is set the wrapper answers the refresh_token grant
// itself by replaying the last access token and ID token demoidp issued,
// with a rotated refresh token; otherwise the grant goes to demoidp,
// which refuses it.
type issuer struct {
	idp *demoidp.Server

	mu            sync.Mutex
	down          bool // discovery answers 503
	endSession    bool // discovery announces /end_session
	giveRefresh   bool // code responses carry a refresh token
	honourRefresh bool // the wrapper answers the refresh_token grant
	last          map[string]any
	refreshToken  string
	secrets       []string // every token value issued, to check pages
}

func (is *issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	defer is.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		if is.down {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		is.rewrite(w, r, func(m map[string]any) {
			if is.endSession {
				m["end_session_endpoint"] = m["issuer"].(string) + "/end_session"
			}
		})
	case strings.HasSuffix(r.URL.Path, "/token"):
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") == "refresh_token" && is.honourRefresh {
			if r.PostForm.Get("refresh_token") != is.refreshToken {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
				return
			}
			is.refreshToken = "rt-" + r.PostForm.Get("refresh_token")
			is.last["refresh_token"] = is.refreshToken
			is.secrets = append(is.secrets, is.refreshToken)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(is.last)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(r.PostForm.Encode()))
		is.rewrite(w, r, func(m map[string]any) {
			if _, ok := m["access_token"]; !ok {
				return
			}
			is.secrets = append(is.secrets, m["access_token"].(string), m["id_token"].(string))
			if is.giveRefresh {
				is.refreshToken = "rt1"
				m["refresh_token"] = is.refreshToken
			}
			is.last = m
		})
	default:
		is.idp.ServeHTTP(w, r)
	}
}

// rewrite passes r to demoidp and lets edit change its JSON answer.
func (is *issuer) rewrite(w http.ResponseWriter, r *http.Request, edit func(map[string]any)) {
	rec := httptest.NewRecorder()
	is.idp.ServeHTTP(rec, r)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		panic(err)
	}
	edit(m)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.Code)
	_ = json.NewEncoder(w).Encode(m)
}

type env struct {
	ts      *httptest.Server
	is      *issuer
	browser *http.Client // cookie jar; stops at the end_session_endpoint
}

func (e *env) issuer() string { return e.ts.URL + "/idp" }
func (e *env) base() string   { return e.ts.URL + "/rp" }

func newEnv(t *testing.T, edit func(*demoidp.Config), setup func(*issuer)) *env {
	t.Helper()
	e := &env{is: &issuer{}}
	if setup != nil {
		setup(e.is)
	}
	mux := http.NewServeMux()
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	cfg := demoidp.Config{
		Issuer:       e.issuer(),
		Name:         map[string]string{"en": "Passerelle", "fr": "Passerelle"},
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURIs: []string{e.base() + "/callback"},
		Users:        []demoidp.User{{Username: "alice", Password: "pw", Email: "alice@example.ca", GivenName: "Alice", FamilyName: "Tremblay"}},
	}
	if edit != nil {
		edit(&cfg)
	}
	var err error
	if e.is.idp, err = demoidp.New(cfg); err != nil {
		t.Fatal(err)
	}
	rp, err := demorp.New(demorp.Config{Issuer: e.issuer(), ClientID: clientID, ClientSecret: clientSecret, BaseURL: e.base()})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/idp/", e.is)
	mux.Handle("/rp/", rp)
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/end_session") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return e
}

func (e *env) do(t *testing.T, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = e.browser.PostForm(target, form)
	} else {
		resp, err = e.browser.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// hidden returns the hidden fields of the page's first form.
func hidden(t *testing.T, body string) url.Values {
	t.Helper()
	f, ok := htmlform.Find(body, func(string) bool { return true })
	if !ok {
		t.Fatalf("no form on the page:\n%s", body)
	}
	return f.Hidden
}

// signIn goes from the portal to demoidp's form, submits it with action
// ("signin" or "cancel") and returns where the browser ends.
func (e *env) signIn(t *testing.T, action string) (*http.Response, string) {
	t.Helper()
	resp, body := e.do(t, http.MethodGet, e.base()+"/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Se connecter") {
		t.Fatalf("portal: status %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.do(t, http.MethodPost, e.base()+"/login", url.Values{})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/idp/authorize" {
		t.Fatalf("login ended at %s with status %d", resp.Request.URL, resp.StatusCode)
	}
	form := hidden(t, body)
	form.Set("username", "alice")
	form.Set("password", "pw")
	form.Set("action", action)
	return e.do(t, http.MethodPost, e.issuer()+"/authorize", form)
}

// checkPage checks what every page must have and show nothing secret.
func (e *env) checkPage(t *testing.T, body string) {
	t.Helper()
	for _, want := range []string{`<html lang="en">`, "DEMO relying party", "Service de démonstration", `href="/rp/style.css"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("page has %d h1", n)
	}
	for _, bad := range []string{"<script", "style=", clientSecret} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	e.is.mu.Lock()
	defer e.is.mu.Unlock()
	for _, s := range e.is.secrets {
		if strings.Contains(body, s) {
			t.Errorf("page shows a token value")
		}
	}
}

func wantFailure(t *testing.T, resp *http.Response, body string, status int, codes ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d", resp.StatusCode, status)
	}
	for _, c := range append([]string{"Error code", "Code d’erreur"}, codes...) {
		if !strings.Contains(body, c) {
			t.Errorf("page lacks %q:\n%s", c, body)
		}
	}
}

// subject is the sub of the last ID token demoidp issued.
func (e *env) subject(t *testing.T) string {
	t.Helper()
	e.is.mu.Lock()
	defer e.is.mu.Unlock()
	parts := strings.Split(e.is.last["id_token"].(string), ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Sub string }
	if err := json.Unmarshal(payload, &c); err != nil || c.Sub == "" {
		t.Fatalf("no sub in the ID token: %v", err)
	}
	return c.Sub
}

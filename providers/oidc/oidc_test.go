package oidc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/htmlform"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/oidc"
)

const callbackURL = "https://passerelle.example/callback/gckey"

// upstream is a real OpenID Connect provider on httptest.
type upstream struct {
	ts      *httptest.Server
	srv     *demoidp.Server
	issuer  string
	browser *http.Client // does not follow redirects
}

func newUpstream(t *testing.T, faults demoidp.Faults) *upstream {
	t.Helper()
	u := &upstream{}
	u.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { u.srv.ServeHTTP(w, r) }))
	t.Cleanup(u.ts.Close)
	u.issuer = u.ts.URL
	var err error
	u.srv, err = demoidp.New(demoidp.Config{
		Issuer:       u.issuer,
		Name:         map[string]string{"en": "Bank", "fr": "Banque"},
		ClientID:     "passerelle",
		ClientSecret: "upstream-secret",
		RedirectURIs: []string{callbackURL},
		ACR:          "urn:bank:substantial",
		Users:        []demoidp.User{{Username: "alice", Password: "pw", Email: "alice@example.ca", GivenName: "Alice", FamilyName: "Tremblay"}},
		Faults:       faults,
	})
	if err != nil {
		t.Fatal(err)
	}
	u.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return u
}

func (u *upstream) config() oidc.Config {
	return oidc.Config{Issuer: u.issuer, ClientID: "passerelle", ClientSecret: "upstream-secret"}
}

// visit plays the browser at the upstream: it loads loginURL, submits the
// form with action ("signin" or "cancel") and returns the callback
// request Passerelle would receive.
func (u *upstream) visit(t *testing.T, loginURL, action string) *http.Request {
	t.Helper()
	resp, err := u.browser.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f, ok := htmlform.Find(string(body), func(string) bool { return true })
	if !ok {
		t.Fatalf("no sign-in form at the upstream:\n%s", body)
	}
	form := f.Hidden
	form.Set("username", "alice")
	form.Set("password", "pw")
	form.Set("action", action)
	resp, err = u.browser.PostForm(u.issuer+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, callbackURL+"?") {
		t.Fatalf("upstream answered %d, location %q", resp.StatusCode, loc)
	}
	return httptest.NewRequest(http.MethodGet, loc, nil)
}

func newFlow() providers.Leg {
	return providers.Leg{CallbackURL: callbackURL, State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier()}
}

func open(t *testing.T, u *upstream, cfg oidc.Config) *oidc.Provider {
	t.Helper()
	p, err := oidc.Open("gckey", cfg, u.ts.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHandleCallback(t *testing.T) {
	for _, tc := range []struct {
		name    string
		faults  demoidp.Faults
		cfg     func(*oidc.Config)
		action  string                                  // at the upstream form; "signin" when empty
		tamper  func(f *providers.Leg, r *http.Request) // between login and callback
		wantErr error
		check   func(t *testing.T, id providers.Identity)
	}{
		{
			name: "success with userinfo",
			cfg: func(c *oidc.Config) {
				c.UseUserinfo = true
				c.Scopes = []string{"openid", "email", "profile"}
				c.ACRMap = map[string]string{"urn:bank:substantial": "urn:gc-ca:cyber-auth:assurance:loa2"}
			},
			check: func(t *testing.T, id providers.Identity) {
				if id.Subject == "" || id.Email != "alice@example.ca" || !id.EmailVerified || id.GivenName != "Alice" ||
					id.FamilyName != "Tremblay" || id.Locale != "en" || id.ACR != "urn:gc-ca:cyber-auth:assurance:loa2" ||
					!slices.Equal(id.AMR, []string{"pwd"}) || time.Since(id.AuthTime) > time.Minute {
					t.Errorf("identity = %+v", id)
				}
			},
		},
		{
			name: "acr missing from acr_map is dropped",
			cfg:  func(c *oidc.Config) { c.ACRMap = map[string]string{"urn:bank:low": "loa1"} },
			check: func(t *testing.T, id providers.Identity) {
				if id.ACR != "" {
					t.Errorf("ACR = %q, want empty for an unmapped upstream acr", id.ACR)
				}
			},
		},
		{
			name: "claim name overrides",
			cfg: func(c *oidc.Config) {
				c.Scopes = []string{"openid", "profile"}
				c.Claims = oidc.ClaimNames{GivenName: "family_name", FamilyName: "given_name"}
			},
			check: func(t *testing.T, id providers.Identity) {
				if id.GivenName != "Tremblay" || id.FamilyName != "Alice" {
					t.Errorf("identity = %+v, want names read from the overridden claims", id)
				}
			},
		},
		{name: "wrong issuer in ID token", faults: demoidp.Faults{TokenIssuer: "https://evil.example"}, wantErr: providers.ErrUpstream},
		{name: "signature by an unpublished key", faults: demoidp.Faults{UnpublishedKey: true}, wantErr: providers.ErrUpstream},
		{
			name:    "userinfo sub differs",
			faults:  demoidp.Faults{UserinfoSubject: "someone-else"},
			cfg:     func(c *oidc.Config) { c.UseUserinfo = true },
			wantErr: providers.ErrUpstream,
		},
		{
			name:    "state mismatch",
			tamper:  func(f *providers.Leg, _ *http.Request) { f.State = oauth2.GenerateVerifier() },
			wantErr: providers.ErrState,
		},
		{
			name:    "empty state in flow",
			tamper:  func(f *providers.Leg, r *http.Request) { f.State = ""; setQuery(r, "state", "") },
			wantErr: providers.ErrState,
		},
		{
			name:    "nonce mismatch",
			tamper:  func(f *providers.Leg, _ *http.Request) { f.Nonce = oauth2.GenerateVerifier() },
			wantErr: providers.ErrState,
		},
		{
			name:    "wrong PKCE verifier",
			tamper:  func(f *providers.Leg, _ *http.Request) { f.Verifier = oauth2.GenerateVerifier() },
			wantErr: providers.ErrUpstream,
		},
		{
			name:    "iss parameter of another provider (RFC 9207)",
			tamper:  func(_ *providers.Leg, r *http.Request) { setQuery(r, "iss", "https://other.example") },
			wantErr: providers.ErrUpstream,
		},
		{
			name:    "iss parameter missing though advertised (RFC 9207)",
			tamper:  func(_ *providers.Leg, r *http.Request) { setQuery(r, "iss", "") },
			wantErr: providers.ErrUpstream,
		},
		{
			name:    "callback without code",
			tamper:  func(_ *providers.Leg, r *http.Request) { setQuery(r, "code", "") },
			wantErr: providers.ErrUpstream,
		},
		{name: "error response", action: "cancel", wantErr: providers.ErrDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, tc.faults)
			cfg := u.config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			p := open(t, u, cfg)
			flow := newFlow()
			login, _, err := p.LoginURL(context.Background(), flow, providers.LoginOptions{})
			if err != nil {
				t.Fatal(err)
			}
			action := tc.action
			if action == "" {
				action = "signin"
			}
			r := u.visit(t, login, action)
			if tc.tamper != nil {
				tc.tamper(&flow, r)
			}

			id, err := p.HandleCallback(r, flow)
			if tc.wantErr != nil {
				t.Logf("error: %v", err)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if id.Subject != "" {
					t.Errorf("identity %+v returned with an error", id)
				}
				if code := r.URL.Query().Get("code"); code != "" && strings.Contains(err.Error(), code) {
					t.Errorf("error message leaks the code: %v", err)
				}
				if strings.Contains(err.Error(), "upstream-secret") {
					t.Errorf("error message leaks the client secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, id)
		})
	}
}

func setQuery(r *http.Request, key, value string) {
	q := r.URL.Query()
	q.Set(key, value)
	r.URL.RawQuery = q.Encode()
}

// The same code cannot be redeemed twice: a replayed callback fails.
func TestReplayedCallback(t *testing.T) {
	u := newUpstream(t, demoidp.Faults{})
	p := open(t, u, u.config())
	flow := newFlow()
	login, _, err := p.LoginURL(context.Background(), flow, providers.LoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := u.visit(t, login, "signin")
	if _, err := p.HandleCallback(r, flow); err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandleCallback(r.Clone(context.Background()), flow); !errors.Is(err, providers.ErrUpstream) {
		t.Errorf("replay: err = %v, want ErrUpstream", err)
	}
}

// An upstream that is down neither stops Open nor poisons the provider:
// sign-ins fail with ErrUpstream while it is down, discovery is retried,
// and once it succeeds it is not fetched again.
func TestUnreachableUpstream(t *testing.T) {
	u := newUpstream(t, demoidp.Faults{})
	var down atomic.Bool
	var discoveries atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			// Drop the connection, as a dead upstream would.
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		if strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			discoveries.Add(1)
		}
		u.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	// The upstream's issuer is u.ts.URL; route its requests via front.
	client := &http.Client{Transport: redirectTo(front.URL)}

	down.Store(true)
	p, err := oidc.Open("bank", u.config(), client, nil)
	if err != nil {
		t.Fatalf("Open with the upstream down: %v", err)
	}
	flow := newFlow()
	if _, _, err := p.LoginURL(context.Background(), flow, providers.LoginOptions{}); !errors.Is(err, providers.ErrUpstream) {
		t.Fatalf("LoginURL while down: err = %v, want ErrUpstream", err)
	}

	down.Store(false)
	login, _, err := p.LoginURL(context.Background(), flow, providers.LoginOptions{})
	if err != nil {
		t.Fatalf("LoginURL after recovery: %v", err)
	}
	r := u.visit(t, login, "signin")

	down.Store(true)
	if _, err := p.HandleCallback(r, flow); !errors.Is(err, providers.ErrUpstream) {
		t.Fatalf("HandleCallback while down: err = %v, want ErrUpstream", err)
	}

	down.Store(false)
	flow = newFlow()
	if login, _, err = p.LoginURL(context.Background(), flow, providers.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandleCallback(u.visit(t, login, "signin"), flow); err != nil {
		t.Fatalf("sign-in after recovery: %v", err)
	}
	if n := discoveries.Load(); n != 1 {
		t.Errorf("discovery fetched %d times, want 1 (cached after success)", n)
	}
}

// redirectTo sends every request to target's host, keeping the path.
type redirectTo string

func (rt redirectTo) RoundTrip(r *http.Request) (*http.Response, error) {
	t, _ := url.Parse(string(rt))
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.Scheme, t.Host, t.Host
	return http.DefaultTransport.RoundTrip(r)
}

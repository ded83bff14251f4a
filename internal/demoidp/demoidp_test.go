package demoidp_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/htmlform"
)

const (
	clientID     = "passerelle"
	clientSecret = "s3cret/with:odd chars"
	redirectURI  = "https://broker.example/callback/gckey"
)

// upstream is a demoidp.Server on httptest with a clock tests can move.
type upstream struct {
	srv    *demoidp.Server
	ts     *httptest.Server
	offset atomic.Int64 // added to time.Now, in nanoseconds
	client *http.Client // does not follow redirects
}

func newUpstream(t *testing.T, edit func(*demoidp.Config)) *upstream {
	t.Helper()
	u := &upstream{}
	u.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(u.ts.Close)
	cfg := demoidp.Config{
		Issuer:       u.ts.URL + "/gckey",
		Name:         map[string]string{"en": "GCKey demo", "fr": "CléGC démo"},
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURIs: []string{redirectURI},
		ACR:          "urn:demo:loa2",
		Users:        []demoidp.User{{Username: "alice", Password: "correct horse", Email: "alice@example.ca", GivenName: "Alice", FamilyName: "Tremblay"}},
		Now:          func() time.Time { return time.Now().Add(time.Duration(u.offset.Load())) },
	}
	if edit != nil {
		edit(&cfg)
	}
	var err error
	if u.srv, err = demoidp.New(cfg); err != nil {
		t.Fatal(err)
	}
	u.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return u
}

func (u *upstream) issuer() string { return u.ts.URL + "/gckey" }

// signInForm returns the hidden fields of the sign-in form on page.
func signInForm(t *testing.T, page string) url.Values {
	t.Helper()
	f, ok := htmlform.Find(page, func(string) bool { return true })
	if !ok {
		t.Fatalf("no sign-in form:\n%s", page)
	}
	return f.Hidden
}

// signIn loads the form at authURL, submits its hidden fields with the
// credentials as a browser would, and returns the redirect target.
func (u *upstream) signIn(t *testing.T, authURL, username, password string) *url.URL {
	t.Helper()
	body, _ := u.get(t, authURL)
	form := signInForm(t, body)
	form.Set("username", username)
	form.Set("password", password)
	form.Set("action", "signin")
	resp, err := u.client.PostForm(u.issuer()+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("sign-in: status %d, want 303; body:\n%s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func (u *upstream) get(t *testing.T, target string) (string, *http.Response) {
	t.Helper()
	resp, err := u.client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp
}

// rp is a relying party built from libraries, as Passerelle uses them.
type rp struct {
	ctx      context.Context
	provider *gooidc.Provider
	oauth2   oauth2.Config
}

func newRP(t *testing.T, u *upstream, style oauth2.AuthStyle) *rp {
	t.Helper()
	ctx := gooidc.ClientContext(context.Background(), u.ts.Client())
	p, err := gooidc.NewProvider(ctx, u.issuer())
	if err != nil {
		t.Fatal(err)
	}
	ep := p.Endpoint()
	ep.AuthStyle = style
	return &rp{ctx: ctx, provider: p, oauth2: oauth2.Config{
		ClientID: clientID, ClientSecret: clientSecret, Endpoint: ep,
		RedirectURL: redirectURI, Scopes: []string{"openid", "email", "profile"},
	}}
}

// decodeHeader is the JOSE header of a compact JWS.
func decodeHeader(t *testing.T, jws string) string {
	t.Helper()
	h, _, _ := strings.Cut(jws, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func random(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// codeFor runs the front channel and returns the code and verifier.
func (c *rp) codeFor(t *testing.T, u *upstream, nonce string) (string, string) {
	t.Helper()
	state, verifier := random(t), oauth2.GenerateVerifier()
	loc := u.signIn(t, c.oauth2.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), "alice", "correct horse")
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	if q.Get("state") != state || q.Get("iss") != u.issuer() || q.Get("code") == "" {
		t.Fatalf("callback query %v: want state, iss and code", q)
	}
	return q.Get("code"), verifier
}

func TestCodeFlow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
		alg   string // Config.SigningAlg
	}{
		{"client_secret_basic", oauth2.AuthStyleInHeader, ""},
		{"client_secret_post", oauth2.AuthStyleInParams, ""},
		{"EdDSA", oauth2.AuthStyleInHeader, "EdDSA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, func(c *demoidp.Config) { c.SigningAlg = tc.alg })
			c := newRP(t, u, tc.style)
			nonce := random(t)
			code, verifier := c.codeFor(t, u, nonce)

			tok, err := c.oauth2.Exchange(c.ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := c.provider.Verifier(&gooidc.Config{ClientID: clientID}).Verify(c.ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			if want := cmp.Or(tc.alg, "ES256"); !strings.Contains(decodeHeader(t, raw), `"alg":"`+want+`"`) {
				t.Errorf("ID token header %s, want alg %s", decodeHeader(t, raw), want)
			}
			var claims struct {
				Nonce         string   `json:"nonce"`
				ACR           string   `json:"acr"`
				AMR           []string `json:"amr"`
				AuthTime      int64    `json:"auth_time"`
				Email         string   `json:"email"`
				EmailVerified bool     `json:"email_verified"`
				GivenName     string   `json:"given_name"`
				FamilyName    string   `json:"family_name"`
				Locale        string   `json:"locale"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Nonce != nonce || claims.ACR != "urn:demo:loa2" || claims.Email != "alice@example.ca" ||
				!claims.EmailVerified || claims.GivenName != "Alice" || claims.FamilyName != "Tremblay" ||
				claims.Locale != "en" || len(claims.AMR) != 1 || claims.AMR[0] != "pwd" ||
				time.Since(time.Unix(claims.AuthTime, 0)) > time.Minute {
				t.Errorf("claims = %+v", claims)
			}

			ui, err := c.provider.UserInfo(c.ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			if ui.Subject != idt.Subject || ui.Email != "alice@example.ca" {
				t.Errorf("userinfo = %+v, want sub %s", ui, idt.Subject)
			}

			// The subject is stable per username.
			code2, verifier2 := c.codeFor(t, u, random(t))
			tok2, err := c.oauth2.Exchange(c.ctx, code2, oauth2.VerifierOption(verifier2))
			if err != nil {
				t.Fatal(err)
			}
			idt2, err := c.provider.Verifier(&gooidc.Config{ClientID: clientID}).Verify(c.ctx, tok2.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			if idt2.Subject != idt.Subject {
				t.Errorf("sub changed between sign-ins: %s then %s", idt.Subject, idt2.Subject)
			}
		})
	}
}

// tokenRequest posts to /token with client_secret_post and returns the
// status and error code.
func tokenRequest(t *testing.T, u *upstream, form url.Values) (int, string) {
	t.Helper()
	resp, err := u.client.PostForm(u.issuer()+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if body.Error == "" {
		return resp.StatusCode, "token:" + body.AccessToken
	}
	return resp.StatusCode, body.Error
}

func TestTokenRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		edit     func(form url.Values, u *upstream)
		status   int
		wantCode string
	}{
		{"wrong verifier", func(f url.Values, _ *upstream) { f.Set("code_verifier", oauth2.GenerateVerifier()) }, 400, "invalid_grant"},
		{"no verifier", func(f url.Values, _ *upstream) { f.Del("code_verifier") }, 400, "invalid_grant"},
		{"wrong secret", func(f url.Values, _ *upstream) { f.Set("client_secret", "nope") }, 401, "invalid_client"},
		{"wrong redirect_uri", func(f url.Values, _ *upstream) { f.Set("redirect_uri", "https://broker.example/other") }, 400, "invalid_grant"},
		{"unknown code", func(f url.Values, _ *upstream) { f.Set("code", "forged") }, 400, "invalid_grant"},
		{"wrong grant type", func(f url.Values, _ *upstream) { f.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
		{"expired code", func(_ url.Values, u *upstream) { u.offset.Store(int64(2 * time.Minute)) }, 400, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, nil)
			c := newRP(t, u, oauth2.AuthStyleInParams)
			code, verifier := c.codeFor(t, u, "n")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {redirectURI}, "client_id": {clientID}, "client_secret": {clientSecret}}
			tc.edit(form, u)
			status, got := tokenRequest(t, u, form)
			if status != tc.status || got != tc.wantCode {
				t.Errorf("got %d %s, want %d %s", status, got, tc.status, tc.wantCode)
			}
		})
	}
}

// A code works once, even when the first attempt failed, and presenting a
// spent code revokes the access token it yielded.
func TestCodeSingleUse(t *testing.T) {
	u := newUpstream(t, nil)
	c := newRP(t, u, oauth2.AuthStyleInParams)

	code, verifier := c.codeFor(t, u, "n")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {oauth2.GenerateVerifier()},
		"redirect_uri": {redirectURI}, "client_id": {clientID}, "client_secret": {clientSecret}}
	if _, got := tokenRequest(t, u, form); got != "invalid_grant" {
		t.Fatalf("wrong verifier: got %s", got)
	}
	form.Set("code_verifier", verifier)
	if _, got := tokenRequest(t, u, form); got != "invalid_grant" {
		t.Fatalf("code after a failed attempt: got %s, want invalid_grant", got)
	}

	code, verifier = c.codeFor(t, u, "n")
	form.Set("code", code)
	form.Set("code_verifier", verifier)
	_, first := tokenRequest(t, u, form)
	access, ok := strings.CutPrefix(first, "token:")
	if !ok {
		t.Fatalf("first use: %s", first)
	}
	if st := userinfoStatus(t, u, access); st != http.StatusOK {
		t.Fatalf("userinfo before reuse: %d", st)
	}
	if _, got := tokenRequest(t, u, form); got != "invalid_grant" {
		t.Fatalf("reuse: got %s, want invalid_grant", got)
	}
	if st := userinfoStatus(t, u, access); st != http.StatusUnauthorized {
		t.Errorf("userinfo after code reuse: %d, want 401 (token revoked)", st)
	}
	if st := userinfoStatus(t, u, "forged"); st != http.StatusUnauthorized {
		t.Errorf("userinfo with a forged token: %d, want 401", st)
	}
}

func userinfoStatus(t *testing.T, u *upstream, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.issuer()+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := u.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSigningAlgChecked: only ES256 and EdDSA sign the demo's ID tokens.
func TestSigningAlgChecked(t *testing.T) {
	_, err := demoidp.New(demoidp.Config{Issuer: "http://127.0.0.1:1/up", Name: map[string]string{"en": "Up", "fr": "Amont"},
		ClientID: clientID, ClientSecret: clientSecret, RedirectURIs: []string{redirectURI},
		Users: []demoidp.User{{Username: "alice", Password: "pw"}}, SigningAlg: "RS256"})
	if err == nil || !strings.Contains(err.Error(), `signing algorithm "RS256" must be ES256 or EdDSA`) {
		t.Errorf("New with RS256: %v", err)
	}
}

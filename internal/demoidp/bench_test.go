package demoidp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// BenchmarkSignIn is the upstream's own work in one of the benchmarks'
// sign-ins, its handlers called directly (no network): the sign-in form,
// the credentials checked among 3,000 users, the code redeemed for an
// EdDSA-signed ID token. The load generator and the network are not in it.
func BenchmarkSignIn(b *testing.B) {
	users := make([]demoidp.User, 3000)
	for i := range users {
		users[i] = demoidp.User{Username: fmt.Sprintf("user%05d", i), Password: "pw", Email: fmt.Sprintf("user%05d@example.org", i)}
	}
	srv, err := demoidp.New(demoidp.Config{Issuer: "http://127.0.0.1:1/up", Name: map[string]string{"en": "Up", "fr": "Amont"},
		ClientID: clientID, ClientSecret: clientSecret, RedirectURIs: []string{redirectURI}, Users: users, SigningAlg: "EdDSA"})
	if err != nil {
		b.Fatal(err)
	}
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	post := func(path string, form url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		verifier := oauth2.GenerateVerifier()
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}, "scope": {"openid email"},
			"state": {"state-0123456789abcdef"}, "nonce": {"nonce-0123456789abcdef"}, "ui_locales": {"en"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
		if w := serve(httptest.NewRequest(http.MethodGet, "/up/authorize?"+q.Encode(), nil)); w.Code != http.StatusOK {
			b.Fatalf("form: %d", w.Code)
		}
		q.Set("username", users[i%len(users)].Username)
		q.Set("password", "pw")
		q.Set("action", "signin")
		i++
		w := serve(post("/up/authorize", q))
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			b.Fatalf("sign-in: %d %q", w.Code, w.Header().Get("Location"))
		}
		tok := post("/up/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
			"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
		tok.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
		if w := serve(tok); w.Code != http.StatusOK {
			b.Fatalf("token: %d %s", w.Code, w.Body)
		}
	}
}

package main

import (
	"context"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/loadgen"
)

// The zitadel/oidc v3 example OP as it ships: an in-memory store, two
// test users signing in with a username and password form (no second
// factor, no upstream), the confidential client "web" (secret "secret",
// Basic authentication, refresh tokens when offline_access is asked for)
// whose redirect URIs come from $REDIRECT_URI. Its access tokens are
// opaque and name the client as their only audience, so "web" itself
// introspects them.
const (
	exampleClientID = "web"
	exampleSecret   = "secret"
	exampleUser     = "test-user@localhost" // its issuer's host is localhost
	examplePassword = "verysecure"
)

// newExample is the target for the example OP at issuer, its endpoints
// read from its discovery document.
func newExample(issuer string, tr *loadgen.Transport) (*target, error) {
	c := loadgen.Client(tr)
	auth, token, introspect, err := discover(c, issuer)
	if err != nil {
		return nil, err
	}
	t := &target{name: "example OP", introspect: introspect, http: c,
		oauth: &oauth2.Config{ClientID: exampleClientID, ClientSecret: exampleSecret, RedirectURL: "https://" + loadgen.RPHost + "/cb",
			Scopes:   []string{"openid", "email", "offline_access"},
			Endpoint: oauth2.Endpoint{AuthURL: auth, TokenURL: token, AuthStyle: oauth2.AuthStyleInHeader}}}
	t.signIn = func(ctx context.Context) (*oauth2.Token, error) {
		b := loadgen.Browser(tr)
		verifier := oauth2.GenerateVerifier()
		u := t.oauth.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1"))
		p, err := loadgen.Fetch(b, http.MethodGet, u, nil)
		if err == nil {
			p, err = loadgen.Submit(b, p, "/login/username", url.Values{"username": {exampleUser}, "password": {examplePassword}})
		}
		if err != nil {
			return nil, err
		}
		return loadgen.Exchange(ctx, c, t.oauth, p, verifier)
	}
	return t, nil
}

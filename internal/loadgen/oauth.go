package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Exchange redeems the code the relying party received at the end of p,
// with the relying party's client c.
func Exchange(ctx context.Context, c *http.Client, cfg *oauth2.Config, p Page, verifier string) (*oauth2.Token, error) {
	loc, err := url.Parse(p.Loc)
	if err != nil || loc.Query().Get("code") == "" {
		return nil, fmt.Errorf("sign-in ended at %s with %d %q: %s", p.URL, p.Status, p.Loc, summary(p.Body))
	}
	return cfg.Exchange(withClient(ctx, c), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
}

// withClient makes oauth2's token requests go through c. Without it they
// take http.DefaultClient, whose transport keeps two idle connections
// per host: 16 workers would dial (and the server accept) a fresh
// connection for most token requests.
func withClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c)
}

// Introspect asks endpoint whether token is active, authenticating as
// cfg's client with HTTP Basic.
func Introspect(c *http.Client, endpoint string, cfg *oauth2.Config, token string) error {
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var v struct{ Active bool }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return fmt.Errorf("introspection (%d): %w", resp.StatusCode, err)
	}
	if !v.Active {
		return errors.New("introspection says the token is inactive")
	}
	return nil
}

// Refresher rotates a pool of refresh tokens: each grant takes one out
// and puts back the one it received, so no two grants ever hold the same
// token (it rotates).
type Refresher struct {
	http *http.Client // the relying party's
	cfg  *oauth2.Config
	pool chan *oauth2.Token
}

// NewRefresher fills a pool with the tokens of n sign-ins; its grants go
// through the relying party's client c.
func NewRefresher(ctx context.Context, c *http.Client, cfg *oauth2.Config, n int, signIn func(context.Context) (*oauth2.Token, error)) (*Refresher, error) {
	r := &Refresher{http: c, cfg: cfg, pool: make(chan *oauth2.Token, n)}
	for range n {
		tok, err := signIn(ctx)
		if err != nil {
			return nil, err
		}
		r.pool <- tok
	}
	return r, nil
}

// Grant is one refresh_token grant.
func (r *Refresher) Grant(ctx context.Context) error {
	old := <-r.pool
	tok, err := r.cfg.TokenSource(withClient(ctx, r.http), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		r.pool <- old
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return fmt.Errorf("refresh: %w: %s", err, re.Body)
		}
		return fmt.Errorf("refresh: %w", err)
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = old.RefreshToken
	}
	r.pool <- tok
	return nil
}

// AccessToken is a current access token of the pool's.
func (r *Refresher) AccessToken() string {
	t := <-r.pool
	r.pool <- t
	return t.AccessToken
}

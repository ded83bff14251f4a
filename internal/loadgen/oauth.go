package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// The relying party's calls are plain requests with HTTP Basic client
// authentication (client_secret_basic, RFC 6749 §2.3.1), as
// oauth2.Config.Exchange sends them, read into the fields the load
// generator uses: oauth2's token retrieval decodes every answer twice
// (its fields, then a map of them all) and wraps each grant in token
// sources, which cost the load generator more than the request itself.

// Exchange redeems the code the relying party received at the end of p,
// with the relying party's client c, and checks the answer: an access
// token of type Bearer and, since the scope has openid, an ID token.
func Exchange(ctx context.Context, c *http.Client, cfg *oauth2.Config, p Page, verifier string) (*oauth2.Token, error) {
	loc, err := url.Parse(p.Loc)
	code := ""
	if err == nil {
		code = loc.Query().Get("code")
	}
	if code == "" {
		return nil, fmt.Errorf("sign-in ended at %s with %d %q: %s", p.URL, p.Status, p.Loc, summary(p.Body))
	}
	t, err := tokenRequest(ctx, c, cfg, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cfg.RedirectURL}, "code_verifier": {verifier}})
	if err == nil && t.IDToken == "" {
		err = errors.New("token endpoint: no id_token")
	}
	if err != nil {
		return nil, fmt.Errorf("code exchange: %w", err)
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, ExpiresIn: t.ExpiresIn}, nil
}

// tokenAnswer is a token endpoint's successful answer (RFC 6749 §5.1).
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	IDToken      string `json:"id_token"`
}

// tokenRequest posts form to cfg's token endpoint as cfg's client and
// reads its answer: 200 with an access token of type Bearer, or an error
// carrying the answer's status and body.
func tokenRequest(ctx context.Context, c *http.Client, cfg *oauth2.Config, form url.Values) (tokenAnswer, error) {
	var t tokenAnswer
	err := post(ctx, c, cfg.Endpoint.TokenURL, cfg, form.Encode(), func(status int, body []byte) error {
		if status != http.StatusOK {
			return fmt.Errorf("token endpoint: %d: %.300s", status, body)
		}
		if err := json.Unmarshal(body, &t); err != nil {
			return fmt.Errorf("token endpoint: %w", err)
		}
		if t.AccessToken == "" || !strings.EqualFold(t.TokenType, "Bearer") {
			return fmt.Errorf("token endpoint: no Bearer access token: %.300s", body)
		}
		return nil
	})
	return t, err
}

// post sends a form to endpoint, authenticated as cfg's client with HTTP
// Basic (client ID and secret form-encoded first, RFC 6749 §2.3.1), and
// hands the answer's status and body (up to 1 MiB, valid until read
// returns) to read.
func post(ctx context.Context, c *http.Client, endpoint string, cfg *oauth2.Config, form string, read func(status int, body []byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, 1<<20)); err != nil {
		return err
	}
	return read(resp.StatusCode, buf.Bytes())
}

// Introspect asks endpoint whether token is active, authenticating as
// cfg's client with HTTP Basic.
func Introspect(c *http.Client, endpoint string, cfg *oauth2.Config, token string) error {
	return post(context.Background(), c, endpoint, cfg, "token="+url.QueryEscape(token), func(status int, body []byte) error {
		var v struct{ Active bool }
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("introspection (%d): %w", status, err)
		}
		if !v.Active {
			return errors.New("introspection says the token is inactive")
		}
		return nil
	})
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
	t, err := tokenRequest(ctx, r.http, r.cfg, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}})
	if err != nil {
		r.pool <- old
		return fmt.Errorf("refresh: %w", err)
	}
	tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, ExpiresIn: t.ExpiresIn}
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

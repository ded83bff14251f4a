package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"
)

// The relying party the benches register at Passerelle.
const (
	ClientID     = "bench"
	ClientSecret = "bench-client-secret-0123456789"
)

// Passerelle drives the sign-ins of People at one Passerelle, as the
// relying party ClientID, through the demo upstream "up".
type Passerelle struct {
	OAuth  *oauth2.Config
	HTTP   *http.Client // the relying party's own calls; its transport serves the browsers
	people *People
}

// NewPasserelle is the driver for the Passerelle at issuer, its browsers
// and relying party on tr (a Transport, but for a test's wrapper).
func NewPasserelle(issuer string, tr http.RoundTripper, pp *People) *Passerelle {
	return &Passerelle{people: pp, HTTP: Client(tr),
		OAuth: &oauth2.Config{ClientID: ClientID, ClientSecret: ClientSecret, RedirectURL: "https://" + RPHost + "/cb",
			Scopes:   []string{"openid", "email", "offline_access"},
			Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}}
}

// upstream runs the authorization request and the upstream sign-in of
// user in a fresh browser; it returns the browser, the Passerelle page
// reached, and the PKCE verifier.
func (ps *Passerelle) upstream(user string) (*http.Client, Page, string, error) {
	c := Browser(ps.HTTP.Transport)
	verifier := oauth2.GenerateVerifier()
	u := ps.OAuth.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", "n-1"), oauth2.SetAuthURLParam("ui_locales", "en"))
	p, err := Fetch(c, http.MethodGet, u, nil)
	if err == nil {
		p, err = Submit(c, p, "/authorize", url.Values{"username": {user}, "password": {UpstreamPassword}, "action": {"signin"}})
	}
	return c, p, verifier, err
}

// EnrolAll signs every person in once, setting up their authenticator
// app, workers at a time; it returns how long that took.
func (ps *Passerelle) EnrolAll(ctx context.Context, workers int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	var first atomic.Value
	work := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for user := range work {
				if err := ps.enrol(ctx, user); err != nil {
					first.CompareAndSwap(nil, fmt.Errorf("enrol %s: %w", user, err))
				}
			}
		}()
	}
	for _, u := range ps.people.Names {
		work <- u
	}
	close(work)
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return 0, err
	}
	return time.Since(start), nil
}

func (ps *Passerelle) enrol(ctx context.Context, user string) error {
	c, p, verifier, err := ps.upstream(user)
	if err == nil && strings.HasSuffix(p.URL.Path, "/first") {
		// A first sign-in: create a new account for this identity.
		p, err = Submit(c, p, "/first/create", nil)
	}
	if err == nil {
		p, err = Submit(c, p, "/mfa/enrol/totp", nil)
	}
	if err != nil {
		return err
	}
	secret, err := totpSecret(p)
	if err != nil {
		return err
	}
	// The code of the previous step when safe (a phone a little slow),
	// so the person has two steps left in this one.
	step := ps.people.low()
	code, err := totp.GenerateCode(secret, stepTime(step))
	if err == nil {
		p, err = Submit(c, p, "/mfa/enrol/totp/finish", url.Values{"code": {code}})
	}
	if err == nil {
		p, err = Submit(c, p, "/mfa/saved", url.Values{"saved": {"yes"}})
	}
	if err != nil {
		return err
	}
	ps.people.enrolled(user, secret, step)
	_, err = Exchange(ctx, ps.HTTP, ps.OAuth, p, verifier)
	return err
}

// SignIn is one complete sign-in in a fresh browser: authorize, upstream
// sign-in form, callback, TOTP challenge, code, token exchange.
func (ps *Passerelle) SignIn(ctx context.Context) (*oauth2.Token, error) {
	user, secret, at := ps.people.pick()
	defer ps.people.done(user)
	c, p, verifier, err := ps.upstream(user)
	if err != nil {
		return nil, err
	}
	code, err := totp.GenerateCode(secret, ps.people.again(user, at))
	if err == nil {
		p, err = Submit(c, p, "/mfa/use/", url.Values{"code": {code}})
	}
	if err != nil {
		return nil, err
	}
	return Exchange(ctx, ps.HTTP, ps.OAuth, p, verifier)
}

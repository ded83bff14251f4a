package demoidp

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Config describes one demonstration identity provider.
type Config struct {
	// Issuer is the provider's issuer URL. The Server answers under its
	// path: with Issuer "http://127.0.0.1:8080/gckey" it serves
	// /gckey/authorize, /gckey/token, ...; mount it on that prefix without
	// stripping it.
	Issuer string
	// Name is the service's display name by language ("en" and "fr", both
	// required).
	Name map[string]string
	// ClientID and ClientSecret are the one client this provider knows
	// (Passerelle); RedirectURIs are its exact redirect URIs.
	ClientID     string
	ClientSecret string
	RedirectURIs []string
	// PostLogoutRedirectURIs are where /end_session may send the browser
	// back (RP-Initiated Logout); none: discovery offers no
	// end_session_endpoint and the endpoint refuses every request.
	PostLogoutRedirectURIs []string
	// ACR is put in every ID token's acr claim (omitted when empty).
	ACR string
	// SigningAlg signs the ID tokens: ES256 (when empty) or EdDSA
	// (Ed25519, RFC 8037), which costs the provider and its client less
	// CPU per sign-in (the benchmarks' upstream uses it).
	SigningAlg string
	// RefuseUnmetACR answers a person whose level (User.ACR, else ACR)
	// is not among the acr_values asked with the error
	// unmet_authentication_requirements (OpenID Connect Unmet
	// Authentication Requirements 1.0) instead of an ID token at the
	// lower level; both are answers a real upstream may give.
	RefuseUnmetACR bool
	// Users who can sign in.
	Users []User
	// Now is the clock (time.Now when nil); tests fix it to check expiry.
	Now func() time.Time
	// Faults makes the provider misbehave on purpose, for tests. The
	// demo command leaves it zero.
	Faults Faults
}

// User is a demonstration account.
type User struct {
	Username   string
	Password   string
	Email      string
	GivenName  string
	FamilyName string
	// ACR, when set, replaces Config.ACR in this user's ID tokens: an
	// account whose identity was proven where the others' is basic
	// (seed 003). The upstream answers the level the person has, whatever
	// acr_values asked, unless Config.RefuseUnmetACR.
	ACR string
}

// Faults are deliberate protocol violations that let tests check that a
// client refuses them. Each is off when zero. None of them should ever be
// set outside tests.
type Faults struct {
	// UnpublishedKey signs ID tokens with a key that /jwks does not list
	// (the kid is still set), so signature verification must fail.
	UnpublishedKey bool
	// TokenIssuer, when set, replaces Issuer in the iss claim of ID
	// tokens (discovery still announces Issuer).
	TokenIssuer string
	// UserinfoSubject, when set, replaces the sub that /userinfo answers.
	UserinfoSubject string
	// Overshare puts the email and profile claims in the ID token and the
	// UserInfo answer whatever scopes were asked: an upstream that shares
	// more than it is asked, which Passerelle must still keep from
	// relying parties unless configured to release it.
	Overshare bool
}

// Token and code lifetimes. Short, as a real provider's would be.
const (
	codeTTL  = time.Minute
	tokenTTL = 5 * time.Minute
)

// check reports what makes c unusable, all problems at once.
func (c *Config) check() error {
	var errs []error
	u, err := url.Parse(c.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an absolute http(s) URL without query or fragment", c.Issuer))
	}
	for _, lang := range []string{"en", "fr"} {
		if c.Name[lang] == "" {
			errs = append(errs, fmt.Errorf("name[%s] is required", lang))
		}
	}
	if c.SigningAlg != "" && c.SigningAlg != string(jose.ES256) && c.SigningAlg != string(jose.EdDSA) {
		errs = append(errs, fmt.Errorf("signing algorithm %q must be ES256 or EdDSA", c.SigningAlg))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("client ID is required"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("client secret is required"))
	}
	if len(c.RedirectURIs) == 0 {
		errs = append(errs, errors.New("at least one redirect URI is required"))
	}
	for _, r := range c.RedirectURIs {
		if u, err := url.Parse(r); err != nil || !u.IsAbs() || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("redirect URI %q must be absolute without a fragment", r))
		}
	}
	if len(c.Users) == 0 {
		errs = append(errs, errors.New("at least one user is required"))
	}
	seen := map[string]bool{}
	for i, usr := range c.Users {
		if usr.Username == "" || usr.Password == "" {
			errs = append(errs, fmt.Errorf("user %d needs a username and a password", i))
		}
		if seen[usr.Username] {
			errs = append(errs, fmt.Errorf("user %q is listed twice", usr.Username))
		}
		seen[usr.Username] = true
	}
	return errors.Join(errs...)
}

package testbrowser

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// Authenticator is an authenticator app, with the recovery codes its
// owner was shown at the set-up.
type Authenticator struct {
	Now      func() time.Time // the app's clock
	Secret   string           // set by TOTPMFA at the set-up
	Recovery []string         // set (never nil) by TOTPMFA when the codes are shown
	// Next, when set, runs before a code is typed at a sign-in challenge:
	// a fake clock moved to a new time step (codes are single use).
	Next func()
}

// Code is the app's current code.
func (a *Authenticator) Code(t testing.TB) string {
	code, err := totp.GenerateCode(a.Secret, a.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var (
	secretRe = regexp.MustCompile(`<code class="secret">(.*?)</code>`)
	tagRe    = regexp.MustCompile(`<[^>]+>`)
	codeLiRe = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
)

// TOTPMFA walks the second-factor pages with app: a new account at a
// first sign-in, the app's set-up (keeping its secret and the recovery
// codes in app), a fresh code at later sign-ins. Other pages are returned
// as they are.
func (b *Browser) TOTPMFA(p Page, app *Authenticator) Page {
	b.T.Helper()
	for range 8 {
		if to, v, ok := p.Action("/first/create"); ok {
			p = b.Post(to, v) // a credential seen for the first time: a new account
			continue
		}
		if to, v, ok := p.Action("/mfa/enrol/totp"); ok {
			p = b.Post(to, v)
			continue
		}
		if m := secretRe.FindStringSubmatch(p.Body); m != nil {
			app.Secret = tagRe.ReplaceAllString(m[1], "")
			to, v, _ := p.Action("/mfa/enrol/totp/finish")
			v.Set("code", app.Code(b.T))
			p = b.Post(to, v)
			continue
		}
		if to, v, ok := p.Action("/mfa/saved"); ok {
			app.Recovery = RecoveryCodes(p)
			v.Set("saved", "on")
			p = b.Post(to, v)
			continue
		}
		if to, v, ok := p.UseForm(); ok && strings.Contains(p.Body, `autocomplete="one-time-code"`) {
			if app.Next != nil {
				app.Next()
			}
			v.Set("code", app.Code(b.T))
			p = b.Post(to, v)
			continue
		}
		return p
	}
	return p
}

// RecoveryCodes are the recovery codes p shows (never nil).
func RecoveryCodes(p Page) []string {
	codes := []string{}
	for _, c := range codeLiRe.FindAllStringSubmatch(p.Body, -1) {
		codes = append(codes, c[1])
	}
	return codes
}

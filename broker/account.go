package broker

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// The account window. The account pages (accountPage, securityPage) open
// only to a browser whose SSO session passed a second factor for them in
// the last accountWindow: a page starts an internal sign-in for the
// built-in account client, which always asks for a factor (like
// Keycloak's account console, a client of the broker itself), and its
// completion opens the window instead of issuing a code.
const (
	accountClientID = "passerelle-account"
	accountWindow   = 10 * time.Minute
)

// accountClient is the built-in client of the account pages: every
// factor, a factor at every visit.
func (b *Broker) accountClient() *client {
	return &client{Client: store.Client{ID: accountClientID, MFA: store.ClientMFA{EverySignIn: true},
		Name: map[string]string{"en": "Your Passerelle account", "fr": "Votre compte Passerelle"}}}
}

// accountView is an open account page request.
type accountView struct {
	s       store.Session
	acct    store.Account
	lang    string
	csrf    string
	factors []store.Factor
	limit   *ui.TimeLimit // the window's time left (timelimit.go)
}

// common is what every account page's data starts with: the form token
// and the window's time limit.
func (v *accountView) common() ui.Common { return ui.Common{CSRF: v.csrf, Limit: v.limit} }

// accountIntent is what an internal sign-in ends with besides opening the
// window: setting up a factor, or linking a credential.
type accountIntent struct{ addKind, linkProvider, replace string }

// openAccount returns the account of a browser whose window is open; when
// it is not, or when there is an intent, it starts the internal sign-in
// and returns false.
func (b *Broker) openAccount(w http.ResponseWriter, r *http.Request, in accountIntent) (*accountView, bool) {
	ctx := r.Context()
	lang := b.pages.lang(r, nil)
	s, _, ok := b.sessions.current(ctx, r)
	if ok && in == (accountIntent{}) && b.now().Before(s.AccountUntil) {
		acct, err := b.st.GetAccount(ctx, s.AccountID)
		if err == nil && !acct.Locked {
			v := &accountView{s: s, acct: acct, lang: lang, csrf: b.secrets.csrfToken(s.ID, b.sessions.cookie(r, "browser")),
				limit: accountLimit(s, b.now())}
			if v.factors, err = b.st.ListFactors(ctx, acct.ID); err == nil {
				return v, true
			}
		}
		if err != nil {
			b.log.ErrorContext(ctx, "open account page", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
			return nil, false
		}
	}
	// Where the person lands once the window is open: the page they asked
	// for, or the one their intent belongs to.
	back := "/account"
	switch {
	case in.addKind != "" || r.URL.Path == "/account/security":
		back = "/account/security"
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, orgsPath):
		back = r.URL.Path // an organization page: the path the router matched, nothing else of the URL
	}
	// Anyone may ask for an account page, and this stores a sign-in:
	// it counts against the source's rate limit, as /authorize does.
	if b.limiter != nil && !b.limiter.admit(w, r, b.log) {
		w.Header().Set("Cache-Control", "no-store")
		b.pages.errorPage(w, r, http.StatusTooManyRequests, nil, errTooMany)
		return nil, false
	}
	now := b.now()
	ar := store.AuthRequest{ID: orderedID(now), ClientID: accountClientID, RedirectURI: back,
		Scopes: []string{"openid"}, ResponseType: "code", Browser: store.HashToken(b.sessions.browserID(w, r)),
		UILocales: []string{lang}, AddKind: in.addKind, LinkProvider: in.linkProvider, ReplaceFactor: in.replace, CreatedAt: now, ExpiresAt: now.Add(b.cfg.Tokens.AuthRequest)}
	if err := b.st.CreateAuthRequest(ctx, ar); err != nil {
		b.log.ErrorContext(ctx, "start account sign-in", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
		return nil, false
	}
	http.Redirect(w, r, "/login/"+url.PathEscape(ar.ID), http.StatusSeeOther)
	return nil, false
}

// accountDone ends the internal sign-in: the window opens, and the person
// lands on the account page (or on the set-up it asked for).
func (b *Broker) accountDone(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	if !f.ar.NewSession {
		// A session this request created has its window already
		// (openSession).
		b.openAccountWindow(ctx, r, f.ar.SessionID, f.ar.AccountID)
	}
	_ = b.st.DeleteAuthRequest(ctx, f.ar.ID)
	http.Redirect(w, r, f.ar.RedirectURI, http.StatusSeeOther)
}

// openAccountWindow lets the browser's current session into the account
// pages for accountWindow: only the session the sign-in reused, of the
// account it signed in.
func (b *Broker) openAccountWindow(ctx context.Context, r *http.Request, sid, accountID string) {
	_, hash, ok := b.sessions.current(ctx, r)
	if !ok {
		return
	}
	until := b.now().Add(accountWindow)
	err := b.st.UpdateSession(ctx, hash, func(s store.Session) (store.Session, error) {
		if s.ID != sid || s.AccountID != accountID {
			return s, errNotThisSession
		}
		s.AccountUntil = until
		return s, nil
	})
	if errors.Is(err, errNotThisSession) {
		b.log.WarnContext(ctx, "account window not opened: the browser's session is not the sign-in's", "account", accountID)
		return
	}
	if err != nil {
		b.log.ErrorContext(ctx, "open account window", "error", err)
	}
}

func (b *Broker) checkAccountForm(w http.ResponseWriter, r *http.Request, v *accountView) bool {
	if !b.secrets.checkCSRF(v.s.ID, b.sessions.cookie(r, "browser"), r.PostFormValue("csrf")) {
		b.pages.errorPage(w, r, http.StatusForbidden, nil, errCSRF)
		return false
	}
	return true
}

// doneNotice is the notice an account page shows after a change: the
// redirect names it (?done=renamed), and only lower-case letters reach
// the catalogue key prefix+name.
func doneNotice(r *http.Request, u *ui.UI, lang, prefix string) string {
	n := r.URL.Query().Get("done")
	if n == "" || strings.IndexFunc(n, func(c rune) bool { return c < 'a' || c > 'z' }) >= 0 {
		return ""
	}
	return u.T(lang, prefix+n)
}

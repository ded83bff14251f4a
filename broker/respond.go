package broker

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// complete records the outcome on the auth request with the hash of a new
// authorization code and the SSO session the request opened, if any (its
// cookie set now, the record stored with the grant), in one write, and
// sends the code to the client. The
// code names its auth request (ID "." secret) so the token endpoint finds
// it by key; the request now lives only as long as a code does. The
// completion gate is its first word: nothing completes without the
// account's own second factor.
func (b *Broker) complete(w http.ResponseWriter, r *http.Request, f *flow, acct store.Account) {
	reached, ok := b.passed(f)
	if !ok || acct.Locked || dormancy.Dormant(acct) || acct.ID != f.ar.AccountID {
		b.log.ErrorContext(r.Context(), "completion refused by the second-factor gate", "auth_request", f.ar.ID)
		b.pages.errorPage(w, r, http.StatusForbidden, &f.ar, errGeneric)
		return
	}
	f.change(func(a *store.AuthRequest) { a.ACR = reached })
	if f.ar.ClientID == accountClientID {
		// The internal sign-in ends here too: checked and closed in one
		// write, like a code's, before any window opens.
		if err := f.write(r.Context(), b.st, func(a *store.AuthRequest) { a.Done = true }); err != nil {
			b.log.WarnContext(r.Context(), "account sign-in not completed", "auth_request", f.ar.ID, "error", err)
			b.pages.errorPage(w, r, http.StatusConflict, &f.ar, errState)
			return
		}
		b.openSession(w, r, f)
		b.accountDone(w, r, f)
		return
	}
	locale := acct.Locale
	if locale == "" {
		locale = f.lang
	}
	sub := b.secrets.subjectFor(f.client, acct.ID)
	code := newCode(f.ar.ID)
	expires := b.now().Add(b.cfg.Tokens.Code)
	// A new SSO session is stored with the grant, when the code is
	// redeemed (opStorage.grantFor): the request keeps it until then, and
	// the browser gets its cookie now.
	var pending *store.Session
	var cookie string
	var replaced []byte
	if f.ar.NewSession {
		s, secret, old := b.sessions.prepare(r, b.sessionOf(f))
		pending, cookie, replaced = &s, secret, old
	}
	err := f.write(r.Context(), b.st, func(a *store.AuthRequest) {
		a.Subject, a.Locale, a.Done, a.CodeHash, a.ExpiresAt = sub, locale, true, store.HashToken(code), expires
		a.PendingSession, a.ReplacedSession = pending, replaced
	})
	if errors.Is(err, errAccountChanged) {
		b.log.WarnContext(r.Context(), "completion refused: the sign-in's account changed under it", "auth_request", f.ar.ID)
		b.pages.errorPage(w, r, http.StatusConflict, &f.ar, errState)
		return
	}
	if errors.Is(err, errAlreadyDone) {
		// Two submissions of the last step raced: the browser shows the
		// later answer, so it must carry a code too.
		b.reissue(w, r, f)
		return
	}
	if err != nil {
		b.log.ErrorContext(r.Context(), "complete auth request", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	if pending != nil {
		b.sessions.setCookie(w, "session", cookie, 0)
	} else {
		b.raiseSession(r, f)
	}
	b.audits.record(r.Context(), "signin", acct.ID, f.ar.ClientID, "success",
		map[string]string{"provider": f.ar.Provider, "acr": f.ar.ACR, "amr": strings.Join(f.ar.AMR, " ")})
	b.answer.send(w, r, f, url.Values{"code": {code}})
}

// openSession stores the SSO session the internal account sign-in
// authenticated, its account window open, when it is a new one, or
// raises the browser's session to what the request reached. A failure
// is logged: the sign-in goes on without SSO.
func (b *Broker) openSession(w http.ResponseWriter, r *http.Request, f *flow) {
	if !f.ar.NewSession {
		b.raiseSession(r, f)
		return
	}
	s := b.sessionOf(f)
	s.Clients, s.AccountUntil = nil, b.now().Add(accountWindow)
	if err := b.sessions.start(r.Context(), w, r, s); err != nil {
		b.log.ErrorContext(r.Context(), "start session; the sign-in goes on without one", "error", err)
	}
}

// sessionOf is the new SSO session a request authenticated, with what it
// reached and the client that asked.
func (b *Broker) sessionOf(f *flow) store.Session {
	return store.Session{ID: f.ar.SessionID, AccountID: f.ar.AccountID, Provider: f.ar.Provider,
		AuthTime: f.ar.AuthTime, AMR: f.ar.AMR, ACR: f.ar.ACR, Factors: journey.ProvenKinds(f.ar.MFA),
		UpstreamACR: f.ar.UpstreamACR, Upstream: f.ar.Upstream, Clients: []string{f.ar.ClientID}}
}

// raiseSession records in the browser's existing session (a request
// that did not authenticate anew) the client and what the request
// reached.
func (b *Broker) raiseSession(r *http.Request, f *flow) {
	if f.ar.SessionID == "" {
		return
	}
	ctx := r.Context()
	if err := b.sessions.upgrade(ctx, r, f.ar.SessionID, f.ar.ClientID, f.ar.ACR, f.ar.AMR, journey.ProvenKinds(f.ar.MFA)); err != nil {
		// The request has what it needs; the session asks again next time.
		b.log.ErrorContext(ctx, "record the request in the session", "error", err)
	}
}

// reissue answers a finished request reached again from its own browser
// (the Back button, a second submission of the last step) while its code
// is unredeemed: a new code replaces the old one, so at most one is ever
// valid. Once the code has produced its grant, the sign-in is over.
func (b *Broker) reissue(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	switch _, err := b.st.GetGrant(ctx, f.ar.ID); {
	case err == nil:
		// The code was used: the person is signed in with the service.
		// Like Keycloak's "already logged in", the page says so and
		// links back to the service (the back button, a reload).
		b.pages.errorLinks(w, r, http.StatusOK, &f.ar, errSignedIn, func(lang string) []ui.Link {
			if f.ar.ClientID == accountClientID {
				return []ui.Link{{Text: b.ui.T(lang, "nav.account"), URL: "/account"}}
			}
			return []ui.Link{serviceLink(b.ui, lang, f.client, f.ar.RedirectURI), {Text: b.ui.T(lang, "nav.account"), URL: "/account"}}
		})
		return
	case !errors.Is(err, store.ErrNotFound):
		b.log.ErrorContext(ctx, "grant of a finished sign-in", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	code := newCode(f.ar.ID)
	err := b.st.UpdateAuthRequest(ctx, f.ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		a.CodeHash = store.HashToken(code)
		f.ar = a
		return a, nil
	})
	if err != nil {
		b.log.ErrorContext(ctx, "issue a code again", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	b.answer.send(w, r, f, url.Values{"code": {code}})
}

var errAlreadyDone = errors.New("the sign-in is already complete")

// serviceLink leads back to a client: the origin of its redirect URI
// (the service's own site; the redirect URI itself would be a callback
// without a code), named with the client's name.
func serviceLink(u *ui.UI, lang string, c *client, redirectURI string) ui.Link {
	target := "/"
	if ru, err := url.Parse(redirectURI); err == nil && ru.Scheme != "" && ru.Host != "" {
		target = ru.Scheme + "://" + ru.Host + "/"
	}
	if c == nil {
		return ui.Link{Text: u.T(lang, "nav.service.generic"), URL: target}
	}
	return ui.Link{Text: u.T(lang, "nav.service", c.displayName(lang)), URL: target}
}

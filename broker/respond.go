package broker

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/store"
)

// complete records the outcome on the auth request with the hash of a new
// authorization code, in one write, and sends the code to the client. The
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
	err := f.write(r.Context(), b.st, func(a *store.AuthRequest) {
		a.Subject, a.Locale, a.Done, a.CodeHash, a.ExpiresAt = sub, locale, true, store.HashToken(code), expires
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
	b.openSession(w, r, f)
	b.audits.record(r.Context(), "signin", acct.ID, f.ar.ClientID, "success",
		map[string]string{"provider": f.ar.Provider, "acr": f.ar.ACR, "amr": strings.Join(f.ar.AMR, " ")})
	b.answer.send(w, r, f, url.Values{"code": {code}})
}

// openSession creates the SSO session this request authenticated, when
// it is a new one, or raises the browser's session to what this request
// reached. A failure is logged: the sign-in goes on without SSO.
func (b *Broker) openSession(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	factors := journey.ProvenKinds(f.ar.MFA)
	if !f.ar.NewSession {
		if f.ar.SessionID == "" {
			return
		}
		if err := b.sessions.upgrade(ctx, r, f.ar.SessionID, f.ar.ClientID, f.ar.ACR, f.ar.AMR, factors); err != nil {
			// The request has what it needs; the session asks again next time.
			b.log.ErrorContext(ctx, "record the request in the session", "error", err)
		}
		return
	}
	s := store.Session{ID: f.ar.SessionID, AccountID: f.ar.AccountID, Provider: f.ar.Provider,
		AuthTime: f.ar.AuthTime, AMR: f.ar.AMR, ACR: f.ar.ACR, Factors: factors, UpstreamACR: f.ar.UpstreamACR, Upstream: f.ar.Upstream}
	if f.ar.ClientID == accountClientID {
		s.AccountUntil = b.now().Add(accountWindow)
	} else {
		s.Clients = []string{f.ar.ClientID}
	}
	if err := b.sessions.start(ctx, w, r, s); err != nil {
		b.log.ErrorContext(ctx, "start session; the sign-in goes on without one", "error", err)
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
		b.pages.errorPage(w, r, http.StatusBadRequest, &f.ar, errExpired)
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

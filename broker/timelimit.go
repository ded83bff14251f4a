package broker

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// Time limits a person can see and extend (WCAG 2.2.1). Every sign-in
// page, and every page of the account window, says how long is left
// (ui.TimeLimit, in words; page.js keeps it current), warns two minutes
// before the end, and offers more time without leaving the page, so
// nothing typed is lost:
//
//	POST /login/{id}/extend   csrf → {"expires_in": seconds}; 410 when over
//	POST /account/extend      the same for the account window
//
// Each extension of a sign-in gives it a whole tokens.auth_request again
// from now, never past maxSignInExtensions times it from the start: the
// store holds an abandoned request a bounded time, as before. Each
// extension of the account window gives it a whole accountWindow again
// from now, never past the SSO session's own absolute limit; only an open
// window is extended (a closed one needs the second factor again), and
// only by a press in the page (its form token, bound to the session and
// the browser): an unattended page does not keep itself open.

// maxSignInExtensions bounds how long a sign-in can be kept alive: this
// many times tokens.auth_request from its start.
const maxSignInExtensions = 4

// timeLimit is the sign-in's limit as the pages show it.
func (b *Broker) timeLimit(f *flow) *ui.TimeLimit {
	return &ui.TimeLimit{Left: f.ar.ExpiresAt.Sub(b.now()), ExtendAction: f.stepURL("extend")}
}

// extend gives a sign-in in progress more time.
func (b *Broker) extend(w http.ResponseWriter, r *http.Request) {
	f, ok := b.loadFlow(w, r, r.PathValue("id"), false)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	now := b.now()
	ttl := b.cfg.Tokens.AuthRequest
	var until time.Time
	err := b.st.UpdateAuthRequest(r.Context(), f.ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		if a.Done {
			return a, errAlreadyDone
		}
		until = now.Add(ttl)
		if limit := a.CreatedAt.Add(maxSignInExtensions * ttl); until.After(limit) {
			until = limit
		}
		if until.After(a.ExpiresAt) {
			a.ExpiresAt = until
		}
		until = a.ExpiresAt
		return a, nil
	})
	if err != nil && err != errAlreadyDone {
		b.log.ErrorContext(r.Context(), "extend a sign-in", "error", err)
	}
	answerExtension(w, err == nil, until.Sub(now))
}

// answerExtension answers page.js's "more time": the time left, or 410
// when there is none (ok false: the sign-in or window is over).
func answerExtension(w http.ResponseWriter, ok bool, left time.Duration) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok || left <= 0 {
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"expires_in":0}` + "\n"))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]int64{"expires_in": int64(left.Seconds())})
}

// accountLimit is the account window's limit as the pages show it.
func accountLimit(s store.Session, now time.Time) *ui.TimeLimit {
	return &ui.TimeLimit{Left: s.AccountUntil.Sub(now), ExtendAction: "/account/extend", Window: true}
}

// extendAccount gives an open account window more time.
func (b *Broker) extendAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := b.now()
	s, hash, ok := b.sessions.current(ctx, r)
	if !ok || !now.Before(s.AccountUntil) {
		answerExtension(w, false, 0)
		return
	}
	if !b.secrets.checkCSRF(s.ID, b.sessions.cookie(r, "browser"), r.PostFormValue("csrf")) {
		b.log.WarnContext(ctx, "account window extension with a missing or wrong CSRF token")
		b.pages.errorPage(w, r, http.StatusForbidden, nil, errCSRF)
		return
	}
	var until time.Time
	err := b.sessions.st.UpdateSession(ctx, hash, func(x store.Session) (store.Session, error) {
		if x.ID != s.ID || !now.Before(x.AccountUntil) {
			return x, errNotThisSession
		}
		until = now.Add(accountWindow)
		if !x.ExpiresAt.IsZero() && until.After(x.ExpiresAt) {
			until = x.ExpiresAt
		}
		if until.After(x.AccountUntil) {
			x.AccountUntil = until
		}
		until = x.AccountUntil
		return x, nil
	})
	if err != nil && !errors.Is(err, errNotThisSession) {
		b.log.ErrorContext(ctx, "extend the account window", "error", err)
	}
	answerExtension(w, err == nil, until.Sub(now))
}

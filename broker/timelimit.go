package broker

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// Time limits a person can see and extend (WCAG 2.2.1). Every sign-in
// page says how long is left (ui.TimeLimit, in words; page.js keeps it
// current), warns two minutes before the end, and offers more time
// without leaving the page, so nothing typed is lost:
//
//	POST /login/{id}/extend   csrf → {"expires_in": seconds}; 410 when over
//
// Each extension gives the sign-in a whole tokens.auth_request again
// from now, never past maxSignInExtensions times it from the start: the
// store holds an abandoned request a bounded time, as before.

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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		if err != errAlreadyDone {
			b.log.ErrorContext(r.Context(), "extend a sign-in", "error", err)
		}
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"expires_in":0}` + "\n"))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]int64{"expires_in": int64(until.Sub(now).Seconds())})
}

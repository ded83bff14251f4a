package terms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// Name is the step's name in clients[].steps.
const Name = "terms"

// Acceptances is the part of the store the step uses.
type Acceptances interface {
	PutTermsAcceptance(ctx context.Context, a store.TermsAcceptance) error
	GetTermsAcceptance(ctx context.Context, accountID, clientID string) (store.TermsAcceptance, error)
}

// Step is the terms-of-use step.
type Step struct {
	st  Acceptances
	now func() time.Time
	// of returns the client's terms, if it has any.
	of func(clientID string) (Terms, bool)
}

var _ journey.Step = (*Step)(nil)

// New returns the step over st; of gives each client's terms (the
// broker's current configuration, so a reload applies at once).
func New(st Acceptances, of func(clientID string) (Terms, bool), now func() time.Time) *Step {
	return &Step{st: st, of: of, now: now}
}

// state is the step's state on the auth request: the version accepted in
// this sign-in.
type state struct {
	Accepted string `json:"accepted"`
}

// Name implements journey.Step.
func (s *Step) Name() string { return Name }

// Needed: the client has terms, not accepted in this sign-in, and (once
// per version) not accepted before in this version.
func (s *Step) Needed(ctx context.Context, v journey.Visit) (bool, error) {
	t, ok := s.of(v.ClientID)
	if !ok {
		return false, nil
	}
	var st state
	if len(v.State) > 0 {
		_ = json.Unmarshal(v.State, &st)
	}
	if st.Accepted == t.Version {
		return false, nil
	}
	if t.EverySignIn {
		return true, nil
	}
	a, err := s.st.GetTermsAcceptance(ctx, v.AccountID, v.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return a.Version != t.Version, nil
}

// Mount implements journey.Step.
func (s *Step) Mount(mux journey.Mux, h journey.Host) {
	mux.HandleFunc("GET /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.show(w, r, h, v)
		}
	})
	mux.HandleFunc("POST /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.decide(w, r, h, v)
		}
	})
}

func (s *Step) show(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	t, _ := s.of(v.ClientID)
	h.Render(w, r, v, ui.PageTerms, &ui.TermsData{Common: ui.Common{CSRF: v.CSRF}, Version: t.Version,
		Paragraphs: t.Paragraphs[v.Lang], Action: "/login/" + v.AuthRequestID + "/step/" + Name})
}

func (s *Step) decide(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	ctx := r.Context()
	t, _ := s.of(v.ClientID)
	switch r.PostFormValue("decision") {
	case "accept":
		a := store.TermsAcceptance{AccountID: v.AccountID, ClientID: v.ClientID, Version: t.Version, AcceptedAt: s.now()}
		if err := s.st.PutTermsAcceptance(ctx, a); err != nil {
			h.Fail(w, r, v, "record terms acceptance", err)
			return
		}
		h.Audit(ctx, "terms.accept", v, map[string]string{"version": t.Version})
		h.Pass(w, r, v, Name, state{Accepted: t.Version})
	case "decline":
		h.Audit(ctx, "terms.decline", v, map[string]string{"version": t.Version})
		h.Refuse(w, r, v, "access_denied", "the person declined the terms of use")
	default:
		s.show(w, r, h, v)
	}
}

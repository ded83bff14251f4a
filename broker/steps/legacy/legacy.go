package legacy

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/passhash"
	"github.com/passerelle/passerelle/store"
)

// Name is the step's name in clients[].steps.
const Name = "legacy"

// Store is the part of the store the step uses.
type Store interface {
	GetLegacyAccountByUsername(ctx context.Context, clientID, username string) (store.LegacyAccount, error)
	CreateLegacyLink(ctx context.Context, l store.LegacyLink) error
	GetLegacyLink(ctx context.Context, clientID, accountID string) (store.LegacyLink, error)
}

// Step is the legacy-account step.
type Step struct {
	st  Store
	now func() time.Time
	// claim names the claim of a client's legacy ID.
	claim func(clientID string) string
	// like holds, per client, the last hash of that client this process
	// verified: an unknown username is checked against it, so its answer
	// costs what a known one's does.
	like sync.Map
	// fallback is checked before any of the client's hashes was.
	fallback func() passhash.Hash
}

var (
	_ journey.Step    = (*Step)(nil)
	_ journey.Claimer = (*Step)(nil)
)

// New returns the step over st; claim gives each client's claim name
// (the broker's current configuration).
func New(st Store, claim func(clientID string) string, now func() time.Time) *Step {
	s := &Step{st: st, claim: claim, now: now}
	s.fallback = sync.OnceValue(func() passhash.Hash {
		h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.DefaultCost)
		if err == nil {
			var p passhash.Hash
			if p, err = passhash.Parse(string(h)); err == nil {
				return p
			}
		}
		panic("legacy: a bcrypt hash of its own does not parse: " + err.Error())
	})
	return s
}

// state is the step's state on the auth request (nothing to keep: the
// answer is in the store).
type state struct{}

// Name implements journey.Step.
func (s *Step) Name() string { return Name }

// Needed: the account has not answered this client's step.
func (s *Step) Needed(ctx context.Context, v journey.Visit) (bool, error) {
	_, err := s.st.GetLegacyLink(ctx, v.ClientID, v.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// Claims implements journey.Claimer: the legacy ID the account linked
// for this client, under the client's claim name.
func (s *Step) Claims(ctx context.Context, accountID, clientID string) (map[string]any, error) {
	l, err := s.st.GetLegacyLink(ctx, clientID, accountID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && l.LegacyID == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{s.claim(clientID): l.LegacyID}, nil
}

// Mount implements journey.Step.
func (s *Step) Mount(mux journey.Mux, h journey.Host) {
	mux.HandleFunc("GET /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.show(w, r, h, v, "", nil)
		}
	})
	mux.HandleFunc("POST /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.decide(w, r, h, v)
		}
	})
}

func (s *Step) show(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, username string, errs []ui.FieldError) {
	h.Render(w, r, v, ui.PageLegacy, &ui.LegacyData{Common: ui.Common{CSRF: v.CSRF, Errors: errs}, Username: username,
		Action: "/login/" + v.AuthRequestID + "/step/" + Name})
}

func (s *Step) decide(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	switch r.PostFormValue("decision") {
	case "link":
		s.link(w, r, h, v)
	case "none":
		s.answer(w, r, h, v, store.LegacyLink{ClientID: v.ClientID, AccountID: v.AccountID, CreatedAt: s.now()})
	default:
		s.show(w, r, h, v, "", nil)
	}
}

// link checks the legacy username and password and links the account
// they name.
func (s *Step) link(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	ctx := r.Context()
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	var errs []ui.FieldError
	if username == "" {
		errs = append(errs, ui.FieldError{Field: "username", Message: h.T(v, "legacy.error.username")})
	}
	if password == "" {
		errs = append(errs, ui.FieldError{Field: "password", Message: h.T(v, "legacy.error.password")})
	}
	if len(errs) > 0 {
		s.show(w, r, h, v, username, errs)
		return
	}
	retry := func(msg string) { s.show(w, r, h, v, username, []ui.FieldError{{Field: "password", Message: msg}}) }
	att, ok := h.Reserve(w, r, v, retry)
	if !ok {
		return
	}
	acct, matched, err := s.check(ctx, v.ClientID, username, password)
	if err != nil {
		h.Fail(w, r, v, "legacy account", err)
		return
	}
	if !matched {
		if !h.Failed(w, r, v, att, "legacy.link") {
			retry(h.T(v, "legacy.error.credentials"))
		}
		return
	}
	if !h.Released(w, r, v, att) {
		return
	}
	l := store.LegacyLink{ClientID: v.ClientID, AccountID: v.AccountID, LegacyID: acct.LegacyID, CreatedAt: s.now()}
	if err := s.st.CreateLegacyLink(ctx, l); errors.Is(err, store.ErrAlreadyExists) {
		if _, mine := s.st.GetLegacyLink(ctx, v.ClientID, v.AccountID); mine == nil {
			// Answered meanwhile (another tab): the dispatcher moves on.
			http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
			return
		}
		h.Audit(ctx, "legacy.link.taken", v, map[string]string{"legacy_id": acct.LegacyID})
		retry(h.T(v, "legacy.error.taken"))
		return
	} else if err != nil {
		h.Fail(w, r, v, "record legacy link", err)
		return
	}
	h.Audit(ctx, "legacy.link", v, map[string]string{"legacy_id": acct.LegacyID})
	h.Pass(w, r, v, Name, state{})
}

// check finds the client's legacy account named username and verifies
// password against its hash. An unknown username, or a hash that no
// longer parses, costs a verification all the same and does not match.
func (s *Step) check(ctx context.Context, clientID, username, password string) (store.LegacyAccount, bool, error) {
	acct, err := s.st.GetLegacyAccountByUsername(ctx, clientID, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return acct, false, err
	}
	if err == nil {
		if h, perr := passhash.Parse(acct.PasswordHash); perr == nil {
			s.like.Store(clientID, h)
			return acct, h.Verify(password), nil
		}
	}
	dummy := s.fallback()
	if h, ok := s.like.Load(clientID); ok {
		dummy = h.(passhash.Hash)
	}
	dummy.Verify(password)
	return acct, false, nil
}

// answer records that the account never had a legacy account.
func (s *Step) answer(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, l store.LegacyLink) {
	ctx := r.Context()
	err := s.st.CreateLegacyLink(ctx, l)
	if errors.Is(err, store.ErrAlreadyExists) {
		http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther) // answered meanwhile
		return
	}
	if err != nil {
		h.Fail(w, r, v, "record legacy answer", err)
		return
	}
	h.Audit(ctx, "legacy.none", v, nil)
	h.Pass(w, r, v, Name, state{})
}

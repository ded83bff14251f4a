package organization

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/orgs"
)

// Name is the step's name in clients[].steps.
const Name = "organization"

// Step is the organization step.
type Step struct {
	svc *orgs.Service
	reg *mfa.Regulator
	// t translates a message key into a language (broker/ui).
	t func(lang, key string, args ...any) string
}

var _ journey.Step = (*Step)(nil)

// New returns the step over the organizations' rules; reg counts the
// codes entered toward the account's failures.
func New(svc *orgs.Service, reg *mfa.Regulator, t func(lang, key string, args ...any) string) *Step {
	return &Step{svc: svc, reg: reg, t: t}
}

// State is the step's state on the auth request: the organization chosen
// in this sign-in ("" when the client does not require one and the
// person has none).
type State struct {
	Org string `json:"org,omitempty"`
}

// Chosen is the organization a finished step recorded, from the auth
// request's state of the step ("" for none).
func Chosen(raw json.RawMessage) string {
	var st State
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &st)
	}
	return st.Org
}

// Name implements journey.Step.
func (s *Step) Name() string { return Name }

// Needed: the client has organizations, none is chosen in this sign-in,
// and the person must choose one (the client requires one, or they hold
// at least one).
func (s *Step) Needed(ctx context.Context, v journey.Visit) (bool, error) {
	cfg, err := s.svc.Config(ctx, v.ClientID)
	if errors.Is(err, orgs.ErrNoOrganizations) {
		return false, nil
	}
	if len(v.State) > 0 {
		return false, nil // passed in this sign-in, with or without one
	}
	if cfg.Required {
		return true, nil
	}
	ms, err := s.svc.Memberships(ctx, v.ClientID, v.AccountID)
	return len(ms) > 0, err
}

// Mount implements journey.Step.
func (s *Step) Mount(mux journey.Mux, h journey.Host) {
	mux.HandleFunc("GET /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.show(w, r, h, v, nil, "")
		}
	})
	mux.HandleFunc("POST /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.post(w, r, h, v)
		}
	})
}

// show draws the chooser and code forms; a person with exactly one
// organization and nothing to be told passes with it at once.
func (s *Step) show(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, errs []ui.FieldError, notice string) {
	ctx := r.Context()
	cfg, err := s.svc.Config(ctx, v.ClientID)
	if err != nil {
		h.Fail(w, r, v, "organization step", err)
		return
	}
	ms, err := s.svc.Memberships(ctx, v.ClientID, v.AccountID)
	if err != nil {
		h.Fail(w, r, v, "list organizations", err)
		return
	}
	if len(ms) == 1 && errs == nil && notice == "" {
		h.Audit(ctx, "org.choose", v, map[string]string{"org": ms[0].Org.ID})
		h.Pass(w, r, v, Name, State{Org: ms[0].Org.ID})
		return
	}
	if len(ms) == 0 && !cfg.Required {
		h.Pass(w, r, v, Name, State{})
		return
	}
	action := "/login/" + v.AuthRequestID + "/step/" + Name
	d := &ui.OrgStepData{Common: ui.Common{CSRF: v.CSRF, Errors: errs}, ClientName: v.ClientName,
		Action: action, Activation: cfg.Activation, Notice: notice, Number: r.PostFormValue("number"),
		CancelURL: "/login/" + v.AuthRequestID + "/cancel"}
	for _, m := range ms {
		d.Choices = append(d.Choices, ui.Choice{ID: m.Org.ID,
			Name:   s.t(v.Lang, "org.choice", orgName(m.Org.Names, v.Lang), cfg.RoleName(m.Role, v.Lang)),
			Action: action + "?" + url.Values{"do": {"choose"}, "org": {m.Org.ID}}.Encode()})
	}
	h.Render(w, r, v, ui.PageOrgStep, d)
}

// orgName is an organization's name in lang, or in the other language.
func orgName(names map[string]string, lang string) string {
	if n := names[lang]; n != "" {
		return n
	}
	for _, n := range names {
		return n
	}
	return ""
}

func (s *Step) post(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	ctx := r.Context()
	switch r.FormValue("do") {
	case "choose":
		ms, err := s.svc.Memberships(ctx, v.ClientID, v.AccountID)
		if err != nil {
			h.Fail(w, r, v, "list organizations", err)
			return
		}
		for _, m := range ms {
			if m.Org.ID == r.FormValue("org") {
				h.Audit(ctx, "org.choose", v, map[string]string{"org": m.Org.ID})
				h.Pass(w, r, v, Name, State{Org: m.Org.ID})
				return
			}
		}
		s.show(w, r, h, v, []ui.FieldError{{Message: s.t(v.Lang, "org.error.choice")}}, "")
	case "join":
		s.attempt(w, r, h, v, "code", func() (string, error) {
			o, err := s.svc.Redeem(ctx, v.ClientID, v.AccountID, r.PostFormValue("code"))
			return o.ID, err
		})
	case "activate":
		s.attempt(w, r, h, v, "activation-code", func() (string, error) {
			o, err := s.svc.Activate(ctx, v.ClientID, v.AccountID, r.PostFormValue("number"), r.PostFormValue("activation-code"))
			return o.ID, err
		})
	case "request":
		// Counted like a code, so the step is no oracle listing the
		// client's business numbers.
		s.attempt(w, r, h, v, "request-number", func() (string, error) {
			_, err := s.svc.RequestActivation(ctx, v.ClientID, v.AccountID, r.PostFormValue("number"))
			return "", err
		})
	default:
		s.show(w, r, h, v, nil, "")
	}
}

// attempt reserves an attempt with the failure regulator, runs try (a
// code or a number entered) and settles the attempt: any refusal counts
// as a failure; a right answer gives the attempt back (it proves nothing
// about the person, so it clears no earlier failure): a right code passes
// the step with its organization (the orgID try returns), a right number
// for an activation letter says the letter is on its way.
func (s *Step) attempt(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, field string, try func() (string, error)) {
	ctx := r.Context()
	att, err := s.reg.Reserve(ctx, v.AccountID)
	var delay *mfa.DelayError
	switch {
	case errors.Is(err, mfa.ErrLocked):
		http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther) // the dispatcher shows the lock
		return
	case errors.As(err, &delay):
		s.show(w, r, h, v, []ui.FieldError{{Field: field, Message: s.t(v.Lang, "mfa.error.wait", delay.Wait.Round(time.Second).String())}}, "")
		return
	case err != nil:
		h.Fail(w, r, v, "failure regulator", err)
		return
	}
	orgID, err := try()
	if err != nil {
		locked, ferr := att.Failed(ctx)
		if ferr != nil || locked {
			http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
			return
		}
		s.refused(w, r, h, v, field, err)
		return
	}
	// A right code or number proves nothing about the person (the second
	// factor did): it gives its own attempt back, clearing no earlier
	// failure, and a lock set meanwhile wins.
	if err := att.Release(ctx); errors.Is(err, mfa.ErrLocked) {
		http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
		return
	} else if err != nil {
		h.Fail(w, r, v, "failure regulator", err)
		return
	}
	if orgID == "" {
		s.show(w, r, h, v, nil, s.t(v.Lang, "org.request.sent"))
		return
	}
	h.Pass(w, r, v, Name, State{Org: orgID})
}

// refusals maps each refusal to its message.
var refusals = []struct {
	err error
	key string
}{
	{orgs.ErrCodeUnknown, "org.error.unknown"},
	{orgs.ErrCodeExpired, "org.error.expired"},
	{orgs.ErrCodeUsed, "org.error.used"},
	{orgs.ErrCodeRevoked, "org.error.revoked"},
	{orgs.ErrAlreadyMember, "org.error.member"},
	{orgs.ErrInactive, "org.error.inactive"},
	{orgs.ErrTooMany, "org.error.full"},
	{orgs.ErrNumberUnknown, "org.error.number"},
	{orgs.ErrNotAllowed, "org.error.activation"},
}

// refused shows the page again with the refusal's own message, or fails
// on an error that is not a refusal.
func (s *Step) refused(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, field string, err error) {
	for _, x := range refusals {
		if errors.Is(err, x.err) {
			s.show(w, r, h, v, []ui.FieldError{{Field: field, Message: s.t(v.Lang, x.key)}}, "")
			return
		}
	}
	h.Fail(w, r, v, "organization step", err)
}

package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// stepNames are the steps a client may list in clients[].steps. Adding a
// step is its package and one line here and in newSteps.
var stepNames = []string{terms.Name, organization.Name, legacy.Name, record.Name}

// newSteps builds the registry of client steps.
func (b *Broker) newSteps() map[string]journey.Step {
	return map[string]journey.Step{
		terms.Name:        terms.New(b.st, b.termsOf, b.now),
		organization.Name: organization.New(b.orgs, b.reg, b.ui.T),
		legacy.Name:       legacy.New(b.st, b.legacyClaim, b.now),
		record.Name:       record.New(b.st, b.recordCodes(), b.cfg.MFA.Email.CodeTTL, b.recordsOf, b.now, func() string { return randid.Base64URL(12) }),
	}
}

// recordCodes sends the record step's codes: nil without a notifier.
func (b *Broker) recordCodes() record.Codes {
	if b.email == nil {
		return nil
	}
	return b.email
}

// recordsOf is the client's record step settings (nil: none).
func (b *Broker) recordsOf(clientID string) *record.Config {
	return b.catalog().records[clientID]
}

// legacyClaim is the claim that carries the client's legacy IDs.
func (b *Broker) legacyClaim(clientID string) string {
	return b.catalog().legacy[clientID].ClaimName()
}

// stepClaims adds to ui the claims the client's steps give about the
// account (journey.Claimer).
func (b *Broker) stepClaims(ctx context.Context, ui *oidc.UserInfo, c *client, accountID string) error {
	for _, name := range c.Steps {
		cl, ok := b.steps[name].(journey.Claimer)
		if !ok {
			continue
		}
		claims, err := cl.Claims(ctx, accountID, c.ID)
		if err != nil {
			return unavailable(err)
		}
		for k, v := range claims {
			ui.AppendClaims(k, v)
		}
	}
	return nil
}

// orgsOf is the client's organizations configuration, from the current
// configuration.
func (b *Broker) orgsOf(clientID string) (*orgs.Config, bool) {
	c, ok := b.catalog().orgs[clientID]
	return c, ok
}

// orgClients are the clients with organizations: the configured ones,
// in configuration order, then those added through the admin API.
func (b *Broker) orgClients(ctx context.Context) ([]store.Client, error) {
	var out []store.Client
	for _, c := range b.cfg.Clients {
		if cfg, ok := b.orgsOf(c.ID); ok {
			sc := c.Client
			sc.Organizations = cfg
			out = append(out, sc)
		}
	}
	_, stored, err := b.stored.read(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range stored {
		if _, configured := b.orgsOf(c.ID); !configured && c.Organizations != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// termsOf is the client's terms of use, from the current configuration.
func (b *Broker) termsOf(clientID string) (terms.Terms, bool) {
	t, ok := b.catalog().terms[clientID]
	return t, ok
}

// loadTerms reads the terms files of the configured clients.
func loadTerms(cfgs []ClientConfig) (map[string]terms.Terms, error) {
	out := map[string]terms.Terms{}
	for _, c := range cfgs {
		if c.Terms == nil {
			continue
		}
		t, err := c.Terms.Load()
		if err != nil {
			return nil, fmt.Errorf("client %s: %w", c.ID, err)
		}
		out[c.ID] = t
	}
	return out, nil
}

// loadRegisters reads the registers of businesses of the configured
// clients (clients[].organizations.register) into their tables.
func loadRegisters(cfgs []ClientConfig) error {
	for _, c := range cfgs {
		if o := c.Organizations; o != nil && o.RegisterFile != "" {
			reg, err := orgs.LoadRegister(o.RegisterFile)
			if err != nil {
				return fmt.Errorf("client %s: %w", c.ID, err)
			}
			o.Register = reg
		}
	}
	return nil
}

// ValidateSteps checks the settings of a client's steps (store.Client's
// Validate checks the step names); the admin API checks the clients it
// stores with it too.
func (cl *ClientConfig) ValidateSteps(ps *validate.Problems, p string) {
	switch hasTerms := slices.Contains(cl.Steps, terms.Name); {
	case hasTerms && cl.Terms == nil:
		ps.Add(p+".terms", "is required when steps lists terms", nil)
	case !hasTerms && cl.Terms != nil:
		ps.Add(p+".terms", "is used only when steps lists terms", nil)
	case hasTerms:
		cl.Terms.Validate(ps, p+".terms", []string{"en", "fr"})
	}
	if slices.Contains(cl.Steps, organization.Name) && cl.Organizations == nil {
		ps.Add(p+".organizations", "is required when steps lists organization", nil)
	}
	if cl.Legacy != nil {
		if !slices.Contains(cl.Steps, legacy.Name) {
			ps.Add(p+".legacy", "is used only when steps lists legacy", nil)
		}
		cl.Legacy.Validate(ps, p+".legacy")
	}
	switch hasRecords := slices.Contains(cl.Steps, record.Name); {
	case hasRecords && cl.Records == nil:
		ps.Add(p+".records", "is required when steps lists record", nil)
	case !hasRecords && cl.Records != nil:
		ps.Add(p+".records", "is used only when steps lists record", nil)
	case hasRecords:
		cl.Records.Validate(ps, p+".records")
	}
}

// pendingStep is the first of the client's steps the sign-in must still
// pass, or "" when none is.
func (b *Broker) pendingStep(ctx context.Context, f *flow) (string, error) {
	for _, name := range f.client.Steps {
		step, ok := b.steps[name]
		if !ok {
			return "", fmt.Errorf("client %s lists the unknown step %q", f.client.ID, name)
		}
		v := b.visit(f)
		v.State = f.ar.Steps[name]
		needed, err := step.Needed(ctx, v)
		if err != nil || needed {
			return name, err
		}
	}
	return "", nil
}

func (b *Broker) visit(f *flow) journey.Visit {
	return journey.Visit{AuthRequestID: f.ar.ID, AccountID: f.ar.AccountID, ClientID: f.ar.ClientID,
		ClientName: f.client.displayName(f.lang), Lang: f.lang,
		CSRF: b.secrets.csrfToken(f.ar.ID, f.browser)}
}

// stepHost lends the broker's services to the client steps' handlers.
type stepHost struct{ b *Broker }

var _ journey.Host = stepHost{}

// Enter loads the sign-in and lets the step serve only while the
// dispatcher says it is the current one: the account's factor has passed
// the gate, and every step before it is done.
func (h stepHost) Enter(w http.ResponseWriter, r *http.Request, step string) (journey.Visit, bool) {
	b := h.b
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok || (r.Method == http.MethodPost && !b.checkForm(w, r, f)) {
		return journey.Visit{}, false
	}
	current := ""
	st := journey.State{AR: &f.ar}
	if f.ar.AccountID != "" && !f.ar.Done {
		acct, err := b.st.GetAccount(r.Context(), f.ar.AccountID)
		if err != nil {
			b.log.ErrorContext(r.Context(), "account at a client step", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return journey.Visit{}, false
		}
		b.accountState(&st, f, acct)
	}
	if journey.Next(st) == journey.ClientSteps {
		var err error
		if current, err = b.pendingStep(r.Context(), f); err != nil {
			b.log.ErrorContext(r.Context(), "client step", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return journey.Visit{}, false
		}
	}
	if current != step {
		b.log.WarnContext(r.Context(), "a client step out of turn", "step", step, "auth_request", f.ar.ID)
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return journey.Visit{}, false
	}
	v := b.visit(f)
	v.State = f.ar.Steps[step]
	return v, true
}

// Render implements journey.Host.
func (h stepHost) Render(w http.ResponseWriter, r *http.Request, v journey.Visit, page string, data any) {
	h.b.ui.Render(w, r, http.StatusOK, v.Lang, page, data)
}

// Pass implements journey.Host.
func (h stepHost) Pass(w http.ResponseWriter, r *http.Request, v journey.Visit, step string, state any) {
	b := h.b
	raw, err := json.Marshal(state)
	if err == nil {
		err = b.st.UpdateAuthRequest(r.Context(), v.AuthRequestID, func(a store.AuthRequest) (store.AuthRequest, error) {
			if a.Done {
				return a, errAlreadyDone
			}
			if a.AccountID != v.AccountID {
				return a, errAccountChanged
			}
			if a.Steps == nil {
				a.Steps = map[string]json.RawMessage{}
			}
			a.Steps[step] = raw
			return a, nil
		})
	}
	if err != nil {
		h.Fail(w, r, v, "record a step", err)
		return
	}
	http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
}

// Refuse implements journey.Host.
func (h stepHost) Refuse(w http.ResponseWriter, r *http.Request, v journey.Visit, code, desc string) {
	if f, ok := h.b.loadFlow(w, r, v.AuthRequestID, false); ok {
		h.b.answer.sendError(w, r, f, code, desc)
	}
}

// Fail implements journey.Host.
func (h stepHost) Fail(w http.ResponseWriter, r *http.Request, v journey.Visit, what string, err error) {
	h.b.log.ErrorContext(r.Context(), what, "error", err)
	h.b.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
}

// Audit implements journey.Host.
func (h stepHost) Audit(ctx context.Context, kind string, v journey.Visit, detail map[string]string) {
	h.b.audits.record(ctx, kind, v.AccountID, v.ClientID, "success", detail)
}

// T implements journey.Host.
func (h stepHost) T(v journey.Visit, key string, args ...any) string {
	return h.b.ui.T(v.Lang, key, args...)
}

// Reserve implements journey.Host.
func (h stepHost) Reserve(w http.ResponseWriter, r *http.Request, v journey.Visit, wait func(msg string)) (*mfa.Attempt, bool) {
	att, err := h.b.reg.Reserve(r.Context(), v.AccountID)
	var delay *mfa.DelayError
	switch {
	case errors.Is(err, mfa.ErrLocked):
		http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
	case errors.As(err, &delay):
		wait(h.T(v, "mfa.error.wait", delay.Wait.Round(time.Second).String()))
	case err != nil:
		h.Fail(w, r, v, "failure regulator", err)
	default:
		return att, true
	}
	return nil, false
}

// Failed implements journey.Host.
func (h stepHost) Failed(w http.ResponseWriter, r *http.Request, v journey.Visit, att *mfa.Attempt, kind string) bool {
	b, ctx := h.b, r.Context()
	locked, err := att.Failed(ctx)
	if err != nil {
		b.log.ErrorContext(ctx, "count failure", "error", err)
	}
	b.audits.record(ctx, kind, v.AccountID, v.ClientID, "failure", nil)
	if !locked {
		return false
	}
	b.audits.record(ctx, "lockout", v.AccountID, v.ClientID, "locked", map[string]string{"after": kind})
	http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
	return true
}

// Released implements journey.Host.
func (h stepHost) Released(w http.ResponseWriter, r *http.Request, v journey.Visit, att *mfa.Attempt) bool {
	err := att.Release(r.Context())
	switch {
	case errors.Is(err, mfa.ErrLocked):
		http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther)
	case err != nil:
		h.Fail(w, r, v, "failure regulator", err)
	default:
		return true
	}
	return false
}

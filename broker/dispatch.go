package broker

import (
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/store"
)

// dispatch sends the request where journey.Next says, from the auth
// request as this step leaves it. The flow's pending changes go with
// completion's write, or are written before any other way on.
func (b *Broker) dispatch(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	st := journey.State{AR: &f.ar}
	var acct store.Account
	if f.ar.AccountID != "" && !f.ar.Done {
		var err error
		if acct, err = b.flowAccount(ctx, f); err != nil {
			b.log.ErrorContext(ctx, "account of auth request", "error", err)
			// Keep what this step did (a factor used up) if the store lets us.
			_ = f.persist(ctx, b.st)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		b.accountState(&st, f, acct)
		if up := f.ar.RefreshIdentity; up != nil && st.GatePassed && !st.Locked {
			// The account's own second factor is verified: only now may
			// the upstream's claims replace the account's.
			acct = b.refreshClaims(ctx, acct, up)
			f.seen = &acct
			f.change(func(a *store.AuthRequest) { a.RefreshIdentity = nil })
		}
	}
	stage := journey.Next(st)
	step := ""
	if stage == journey.ClientSteps {
		var err error
		if step, err = b.pendingStep(ctx, f); err != nil {
			b.log.ErrorContext(ctx, "client step", "error", err)
			_ = f.persist(ctx, b.st)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		if step == "" {
			stage = journey.Complete
		}
	}
	if stage == journey.Complete {
		// Completion writes the pending changes with the code.
		b.complete(w, r, f, acct)
		return
	}
	if err := f.persist(ctx, b.st); err != nil {
		b.log.ErrorContext(ctx, "record sign-in progress", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	if stage.Interactive() && slices.Contains(f.ar.Prompt, "none") {
		b.answer.sendError(w, r, f, "interaction_required", "the person must act at Passerelle")
		return
	}
	switch stage {
	case journey.Reissue:
		b.reissue(w, r, f)
	case journey.Identify:
		b.identify(w, r, f)
	case journey.Locked:
		b.pages.errorPage(w, r, http.StatusForbidden, &f.ar, errLocked)
	case journey.Dormant:
		b.dormantPage(w, r, &f.ar)
	case journey.Policy:
		required, _ := b.policy.requiredACR(f.client, &f.ar)
		b.log.ErrorContext(ctx, "client policy cannot be met: no accepted factor reaches the required acr", "client_id", f.client.ID, "acr", required)
		b.pages.errorPage(w, r, http.StatusForbidden, &f.ar, errPolicy)
	case journey.SecondFactor:
		http.Redirect(w, r, b.mfaPages().entry(ctx, f, acct), http.StatusSeeOther)
	case journey.SaveCodes:
		http.Redirect(w, r, f.stepURL("mfa", "codes"), http.StatusSeeOther)
	case journey.Link:
		if err := b.finishLinking(ctx, f); err != nil {
			b.log.ErrorContext(ctx, "link credential", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		b.dispatch(w, r, f)
	case journey.LinkLeg:
		b.signIn.start(w, r, f, f.ar.LinkProvider)
	case journey.Enrol:
		http.Redirect(w, r, f.stepURL("mfa", "enrol", f.ar.AddKind), http.StatusSeeOther)
	case journey.ClientSteps:
		http.Redirect(w, r, f.stepURL("step", step), http.StatusSeeOther)
	}
}

// gateFor is the completion gate's input for the flow: the client's
// policy and what the request has done.
func (b *Broker) gateFor(f *flow) journey.GateInput {
	required, _ := b.policy.requiredACR(f.client, &f.ar)
	return journey.GateInput{Required: required, Accepted: f.client.MFA.Factors,
		FreshFactor: f.client.MFA.EverySignIn || f.ar.Linking || f.ar.LinkProvider != "" || f.ar.AddKind != "",
		Progress:    f.ar.MFA, UpstreamACR: f.ar.UpstreamACR}
}

// passed reports whether the flow may complete now, and at which level.
func (b *Broker) passed(f *flow) (string, bool) {
	return journey.Gate(b.ladder, b.gateFor(f))
}

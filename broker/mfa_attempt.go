package broker

import (
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// Every answer to a second factor is an attempt at the account's failure
// regulator: checked inside the store update that counts it when the
// stored factor alone checks it (an mfa.Checker: one durable write),
// otherwise reserved before it is verified, then settled.

// verified checks an answer to x, one of the account's factors, with the
// failure regulator, and reports whether it was right; when it was not,
// or the regulator refused it, it has answered the request. A right
// answer leaves a reserved attempt to settle (succeeded does).
func (p mfaPages) verified(w http.ResponseWriter, r *http.Request, m *mfaFlow, x store.Factor, fac mfa.Factor, retry func(errs []ui.FieldError)) bool {
	ctx := r.Context()
	in := p.input(r, m, x.Kind)
	var right, locked bool
	var err error
	if c, ok := fac.(mfa.Checker); ok {
		right, locked, err = p.reg.Check(ctx, c, in, x)
		if p.refused(w, r, m, err, retry) {
			return false
		}
		if right {
			// The account as the check wrote it: the dispatcher goes on
			// from it.
			m.acct = in.Account
			m.flow.seen = &m.acct
		}
	} else {
		if p.throttled(w, r, m, retry) {
			return false
		}
		right, err = fac.(mfa.Verifier).Verify(ctx, in, x)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "verify factor", "kind", x.Kind, "error", err)
		p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	if !right {
		p.failed(w, r, m, x.Kind, locked, retry)
	}
	return right
}

// throttled reserves an attempt with the failure regulator before any
// verification (mfa.Regulator.Reserve), so answers in flight at the same
// time cannot all pass: a locked account gets the locked page, a running
// delay the wait message, and nothing is verified then.
func (p mfaPages) throttled(w http.ResponseWriter, r *http.Request, m *mfaFlow, retry func(errs []ui.FieldError)) bool {
	att, err := p.reg.Reserve(r.Context(), m.acct.ID)
	if p.refused(w, r, m, err, retry) {
		return true
	}
	if err != nil {
		p.log.ErrorContext(r.Context(), "failure regulator", "error", err)
		p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return true
	}
	m.attempt = att
	return false
}

// refused answers a reservation the regulator refused (a lock, a running
// delay) and reports whether it did.
func (p mfaPages) refused(w http.ResponseWriter, r *http.Request, m *mfaFlow, err error, retry func(errs []ui.FieldError)) bool {
	var delay *mfa.DelayError
	switch {
	case errors.Is(err, mfa.ErrLocked):
		p.core.pages.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return true
	case errors.As(err, &delay):
		retry(p.fieldError(m.flow, "mfa.error.wait", delay.Wait.Round(1e9).String()))
		return true
	}
	return false
}

// failed settles the reserved attempt, if any, as a failure and shows the
// one generic message, or the locked page when this failure locked the
// account (locked: it was counted with its check and locked it).
func (p mfaPages) failed(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, locked bool, retry func(errs []ui.FieldError)) {
	ctx := r.Context()
	if m.attempt != nil {
		var err error
		if locked, err = m.attempt.Failed(ctx); err != nil {
			p.log.ErrorContext(ctx, "count failure", "error", err)
		}
		m.attempt = nil
	}
	p.core.audits.record(ctx, "mfa", m.acct.ID, m.ar.ClientID, "failure", map[string]string{"kind": kind})
	if locked {
		p.log.WarnContext(ctx, "account locked after repeated failures", "account", m.acct.ID)
		p.core.audits.record(ctx, "lockout", m.acct.ID, m.ar.ClientID, "locked", nil)
		p.core.pages.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return
	}
	retry(p.fieldError(m.flow, "mfa.error.code"))
}

// settled settles the reserved attempt, if any, as a right answer: the
// count resets. When the account was locked meanwhile, the lock wins: it
// answers with the locked page and returns false.
func (p mfaPages) settled(w http.ResponseWriter, r *http.Request, m *mfaFlow) bool {
	if m.attempt == nil {
		return true
	}
	err := m.attempt.Succeeded(r.Context())
	m.attempt = nil
	switch {
	case errors.Is(err, mfa.ErrLocked):
		p.log.WarnContext(r.Context(), "right answer refused: the account locked meanwhile", "account", m.acct.ID)
		p.core.pages.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return false
	case err != nil:
		p.log.ErrorContext(r.Context(), "reset failures", "error", err)
		p.core.pages.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	return true
}

// succeeded settles the attempt and records the factor.
func (p mfaPages) succeeded(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, use factorUse) {
	if !p.settled(w, r, m) {
		return
	}
	p.core.audits.event("mfa", m.acct.ID, m.ar.ClientID, "success", map[string]string{"kind": kind})
	p.record(m.flow, kind, use)
	// The dispatcher's next decision, without a round trip through the
	// browser.
	p.core.dispatch(w, r, m.flow)
}

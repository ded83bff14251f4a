package broker

import (
	"errors"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"net/http"
)

// Every answer to a second factor is an attempt reserved with the failure
// regulator before it is checked, then settled.

// throttled reserves an attempt with the failure regulator before any
// verification (mfa.Regulator.Reserve), so answers in flight at the same
// time cannot all pass: a locked account gets the locked page, a running
// delay the wait message, and nothing is verified then.
func (b *Broker) throttled(w http.ResponseWriter, r *http.Request, m *mfaFlow, retry func(errs []ui.FieldError)) bool {
	att, err := b.reg.Reserve(r.Context(), m.acct.ID)
	var delay *mfa.DelayError
	switch {
	case errors.Is(err, mfa.ErrLocked):
		b.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return true
	case errors.As(err, &delay):
		retry(b.fieldError(m.flow, "mfa.error.wait", delay.Wait.Round(1e9).String()))
		return true
	case err != nil:
		b.log.ErrorContext(r.Context(), "failure regulator", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return true
	}
	m.attempt = att
	return false
}

// failed settles the reserved attempt as a failure and shows the one
// generic message.
func (b *Broker) failed(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, retry func(errs []ui.FieldError)) {
	ctx := r.Context()
	var locked bool
	if m.attempt != nil {
		var err error
		if locked, err = m.attempt.Failed(ctx); err != nil {
			b.log.ErrorContext(ctx, "count failure", "error", err)
		}
		m.attempt = nil
	}
	b.audit(ctx, "mfa", m.acct.ID, m.ar.ClientID, "failure", map[string]string{"kind": kind})
	if locked {
		b.log.WarnContext(ctx, "account locked after repeated failures", "account", m.acct.ID)
		b.audit(ctx, "lockout", m.acct.ID, m.ar.ClientID, "locked", nil)
		b.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return
	}
	retry(b.fieldError(m.flow, "mfa.error.code"))
}

// settled settles the reserved attempt, if any, as a right answer: the
// count resets. When the account was locked meanwhile, the lock wins: it
// answers with the locked page and returns false.
func (b *Broker) settled(w http.ResponseWriter, r *http.Request, m *mfaFlow) bool {
	if m.attempt == nil {
		return true
	}
	err := m.attempt.Succeeded(r.Context())
	m.attempt = nil
	switch {
	case errors.Is(err, mfa.ErrLocked):
		b.log.WarnContext(r.Context(), "right answer refused: the account locked meanwhile", "account", m.acct.ID)
		b.errorPage(w, r, http.StatusForbidden, &m.ar, errLocked)
		return false
	case err != nil:
		b.log.ErrorContext(r.Context(), "reset failures", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	return true
}

// succeeded settles the attempt and records the factor.
func (b *Broker) succeeded(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, use factorUse) {
	if !b.settled(w, r, m) {
		return
	}
	b.event("mfa", m.acct.ID, m.ar.ClientID, "success", map[string]string{"kind": kind})
	b.mfaSucceeded(w, r, m.flow, kind, use)
}

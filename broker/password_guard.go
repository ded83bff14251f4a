package broker

import (
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
)

// The password page and the failure regulator.
//
// A password typed for a username that has an account is an attempt like
// any second factor's: reserved with the account's regulator before the
// password is checked (mfa.Regulator.Reserve), settled after. But this
// page is where anyone can type any username, so what it answers must not
// tell whether a username exists (user enumeration): an attempt the
// regulator holds back (the account locked, or a delay running) gets
// exactly the answer of a wrong password for an unknown username — the
// same page, message and status, after the same password-hashing work
// (providers.PasswordProvider.RefuseLogin) — and the password is not checked. This is
// what Keycloak's brute-force detection does by default ("Invalid
// username or password" for a temporarily or permanently disabled user).
// Nothing is stored for unknown usernames, so guessing them grows no
// record.
//
// What remains: a known username costs a couple of store reads and the
// reservation's write more than an unknown one, far below the jitter of
// the password hash, which both pay. A person locked out here learns of it
// from support (who unlocks accounts), not from this page; the second
// factor's pages, which only a person past the first factor reaches, say
// "locked" and "wait" plainly.

// reserve reserves a password attempt for the account acctID (""
// for a username without one: nothing to reserve). When the regulator
// holds the attempt back it answers as for a wrong password, checks
// nothing, and returns false.
func (pg passwordPages) reserve(w http.ResponseWriter, r *http.Request, l passwordLeg, acctID, username, password string) (*mfa.Attempt, bool) {
	if acctID == "" {
		return nil, true
	}
	b, ctx := pg.core, r.Context()
	att, err := pg.reg.Reserve(ctx, acctID)
	switch {
	case errors.Is(err, mfa.ErrLocked), errors.Is(err, mfa.ErrDelayed):
		b.log.WarnContext(ctx, "password attempt held back by the failure regulator", "account", acctID, "reason", err)
		_ = l.pp.RefuseLogin(password) // the work a wrong password costs
		pg.wrongPassword(w, r, l, username)
		return nil, false
	case err != nil:
		b.log.ErrorContext(ctx, "failure regulator", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &l.f.ar, errGeneric)
		return nil, false
	}
	return att, true
}

// failed settles a reserved attempt whose password was wrong.
func (pg passwordPages) failed(r *http.Request, l passwordLeg, acctID string, att *mfa.Attempt) {
	if att == nil {
		return
	}
	b, f, ctx := pg.core, l.f, r.Context()
	if locked, err := att.Failed(ctx); err != nil {
		b.log.ErrorContext(ctx, "count failure", "error", err)
	} else if locked {
		b.audits.record(ctx, "lockout", acctID, f.ar.ClientID, "locked", map[string]string{"after": "password"})
	}
	b.audits.record(ctx, "password", acctID, f.ar.ClientID, "failure", nil)
}

// released settles a reserved attempt whose password was right: a
// password is not the whole authentication, so the attempt is given back
// and earlier failures stay counted. When the account locked meanwhile
// the lock wins, with the wrong password's answer, and it returns false.
func (pg passwordPages) released(w http.ResponseWriter, r *http.Request, l passwordLeg, att *mfa.Attempt, username string) bool {
	if att == nil {
		return true
	}
	b := pg.core
	err := att.Release(r.Context())
	switch {
	case errors.Is(err, mfa.ErrLocked):
		b.log.WarnContext(r.Context(), "right password refused: the account locked meanwhile")
		pg.wrongPassword(w, r, l, username)
		return false
	case err != nil:
		b.log.ErrorContext(r.Context(), "failure regulator", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &l.f.ar, errGeneric)
		return false
	}
	return true
}

// wrongPassword is the one answer to a sign-in that did not pass, whatever
// the reason: unknown username, wrong password, attempt held back.
func (pg passwordPages) wrongPassword(w http.ResponseWriter, r *http.Request, l passwordLeg, username string) {
	pg.render(w, r, l, username, []ui.FieldError{{Field: "password", Message: pg.ui.T(l.f.lang, "local.error.credentials")}})
}

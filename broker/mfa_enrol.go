package broker

import (
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/mfa/totp"
	"github.com/passerelle/passerelle/mfa/webauthn"
	"github.com/passerelle/passerelle/store"
)

const (
	sealKindFactor      = "factor"
	sealKindPendingTOTP = "pending-totp"
	maxFactorName       = 64
)

func (b *Broker) webauthnUser(a store.Account) webauthn.User {
	name := strings.TrimSpace(a.GivenName + " " + a.FamilyName)
	return webauthn.User{AccountID: a.ID, Name: a.URN, DisplayName: name}
}

// verifyFactor checks the answer for x and records its use (TOTP step,
// WebAuthn sign count) in the same store transaction that re-checks it,
// so two concurrent answers cannot both pass.
func (b *Broker) verifyFactor(r *http.Request, m *mfaFlow, x store.Factor) (bool, error) {
	ctx := r.Context()
	now := b.now()
	switch x.Kind {
	case store.FactorTOTP:
		secret, err := b.sealer.Open(sealKindFactor, x.ID, x.Sealed)
		if err != nil {
			return false, err
		}
		step, ok := totp.Verify(string(secret), r.PostFormValue("code"), x.LastStep, now, b.cfg.MFA.TOTP)
		if !ok {
			return false, nil
		}
		return b.recordUse(ctx, x.ID, func(f store.Factor) (store.Factor, error) {
			if step <= f.LastStep {
				return f, errReplay // a concurrent answer with the same code won
			}
			f.LastStep, f.LastUsedAt = step, now
			return f, nil
		})
	case store.FactorEmail:
		if m.ar.PendingOTP == "" || m.ar.PendingEmail != x.Email {
			// Only a code sent to this factor's address for this
			// challenge answers it.
			return false, nil
		}
		err := b.email.Verify(ctx, m.ar.PendingOTP, m.acct.ID, r.PostFormValue("code"))
		if errors.Is(err, emailotp.ErrInvalidCode) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return b.recordUse(ctx, x.ID, func(f store.Factor) (store.Factor, error) {
			f.LastUsedAt = now
			return f, nil
		})
	case store.FactorWebAuthn:
		used, count, _, err := b.webauthn.FinishLogin(b.webauthnUser(m.acct), m.ar.WebAuthnSession, m.ofKind(store.FactorWebAuthn), []byte(r.PostFormValue("response")))
		if errors.Is(err, webauthn.ErrCloned) {
			b.log.WarnContext(ctx, "security key signature counter went backwards: possible clone", "account", m.acct.ID, "factor", used.ID)
			b.audit(ctx, "mfa.cloned_key", m.acct.ID, m.ar.ClientID, "refused", map[string]string{"factor": used.ID})
			return false, nil
		}
		if err != nil {
			b.log.WarnContext(ctx, "security key refused", "error", err)
			return false, nil
		}
		ok, err := b.recordUse(ctx, used.ID, func(f store.Factor) (store.Factor, error) {
			return webauthn.RecordUse(f, count, now)
		})
		if errors.Is(err, webauthn.ErrCloned) {
			b.audit(ctx, "mfa.cloned_key", m.acct.ID, m.ar.ClientID, "refused", map[string]string{"factor": used.ID})
			return false, nil
		}
		return ok, err
	}
	return false, nil
}

var errReplay = errors.New("code already used")

func (b *Broker) recordUse(ctx context.Context, id string, fn func(store.Factor) (store.Factor, error)) (bool, error) {
	err := b.st.UpdateFactor(ctx, id, fn)
	if errors.Is(err, errReplay) {
		return false, nil
	}
	return err == nil, err
}

// enrolStart begins setting up a factor of kind.
func (b *Broker) enrolStart(w http.ResponseWriter, r *http.Request) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	if !m.mayEnrol(kind) {
		b.enrolRefused(w, r, m, kind)
		return
	}
	if kind == store.FactorTOTP && !b.newTOTPSecret(w, r, m) {
		return
	}
	http.Redirect(w, r, b.stepURL(m.flow, "mfa", "enrol", kind), http.StatusSeeOther)
}

// newTOTPSecret draws the secret of an authenticator app being set up and
// keeps it, sealed, on the auth request until the first code proves it.
func (b *Broker) newTOTPSecret(w http.ResponseWriter, r *http.Request, m *mfaFlow) bool {
	secret, err := totp.NewSecret()
	var sealed []byte
	if err == nil {
		sealed, err = b.sealer.Seal(sealKindPendingTOTP, m.ar.ID, []byte(secret))
	}
	if err == nil {
		err = b.writeFlow(r.Context(), m.flow, func(a *store.AuthRequest) {
			a.PendingSecret = sealed
		})
	}
	if err != nil {
		b.log.ErrorContext(r.Context(), "start authenticator set-up", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	m.ar.PendingSecret = sealed
	return true
}

// enrolPage shows the set-up page of a kind.
func (b *Broker) enrolPage(w http.ResponseWriter, r *http.Request) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	if !m.mayEnrol(kind) {
		http.Redirect(w, r, b.stepURL(m.flow, "mfa"), http.StatusSeeOther)
		return
	}
	b.renderEnrol(w, r, m, kind, nil)
}

func (b *Broker) renderEnrol(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string, errs []ui.FieldError) {
	ctx := r.Context()
	common, status := formState(b.csrf(m.flow), errs)
	finish := b.stepURL(m.flow, "mfa", "enrol", kind, "finish")
	back := b.stepURL(m.flow, "mfa")
	switch kind {
	case store.FactorTOTP:
		if len(m.ar.PendingSecret) == 0 && !b.newTOTPSecret(w, r, m) {
			return
		}
		secret, err := b.sealer.Open(sealKindPendingTOTP, m.ar.ID, m.ar.PendingSecret)
		if err != nil {
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		png, _, err := totp.QR(string(secret), b.cfg.MFA.TOTP.Issuer, m.acct.URN, b.cfg.MFA.TOTP)
		if err != nil {
			b.log.ErrorContext(ctx, "authenticator QR code", "error", err)
			b.errorPage(w, r, http.StatusInternalServerError, &m.ar, errGeneric)
			return
		}
		b.ui.Render(w, r, status, m.lang, ui.PageTOTPEnrol, &ui.TOTPEnrolData{Common: common,
			QRCode: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
			Secret: string(secret), Issuer: b.cfg.MFA.TOTP.Issuer, Account: m.acct.URN, Action: finish, BackURL: back})
	case store.FactorEmail:
		if m.ar.PendingOTP != "" && m.ar.PendingEmail != "" && r.URL.Query().Get("change") == "" {
			b.ui.Render(w, r, status, m.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: store.FactorEmail,
				SentTo: maskEmail(m.ar.PendingEmail), Action: finish, CancelURL: b.stepURL(m.flow, "cancel")})
			return
		}
		addr := m.ar.PendingEmail
		if addr == "" {
			addr = m.acct.Email
		}
		b.ui.Render(w, r, status, m.lang, ui.PageEmailEnrol, &ui.EmailEnrolData{Common: common, Email: addr, Action: finish, BackURL: back})
	case store.FactorWebAuthn:
		// Keys are a usable kind here (mayEnrol), so loadMFA has them all:
		// they are the ones the authenticator must not register again.
		opts, sess, err := b.webauthn.BeginRegistration(b.webauthnUser(m.acct), m.ofKind(store.FactorWebAuthn))
		if err == nil {
			err = b.writeFlow(ctx, m.flow, func(a *store.AuthRequest) {
				a.WebAuthnSession = sess
			})
		}
		if err != nil {
			b.log.ErrorContext(ctx, "begin security key set-up", "error", err)
			b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return
		}
		b.ui.Render(w, r, status, m.lang, ui.PageWebAuthn, &ui.WebAuthnData{Common: common, Register: true,
			OptionsJSON: string(opts), Action: finish, CancelURL: b.stepURL(m.flow, "cancel")})
	}
}

// enrolFinish checks the set-up answer and stores the new factor.
func (b *Broker) enrolFinish(w http.ResponseWriter, r *http.Request) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	kind := r.PathValue("kind")
	if !m.mayEnrol(kind) {
		b.enrolRefused(w, r, m, kind)
		return
	}
	retry := func(errs []ui.FieldError) { b.renderEnrol(w, r, m, kind, errs) }
	name := strings.TrimSpace(r.PostFormValue("name"))
	if utf8.RuneCountInString(name) > maxFactorName || !utf8.ValidString(name) {
		retry([]ui.FieldError{{Field: "name", Message: b.ui.T(m.lang, "mfa.error.name")}})
		return
	}
	now := b.now()
	var fac store.Factor
	switch kind {
	case store.FactorTOTP:
		secret, err := b.sealer.Open(sealKindPendingTOTP, m.ar.ID, m.ar.PendingSecret)
		if err != nil {
			http.Redirect(w, r, b.stepURL(m.flow, "mfa"), http.StatusSeeOther)
			return
		}
		step, ok := totp.Verify(string(secret), r.PostFormValue("code"), 0, now, b.cfg.MFA.TOTP)
		if !ok {
			retry(b.fieldError(m.flow, "mfa.error.code"))
			return
		}
		fac = store.Factor{ID: randomID(), Kind: kind, Name: name, LastStep: step}
		if fac.Sealed, err = b.sealer.Seal(sealKindFactor, fac.ID, secret); err != nil {
			b.errorPage(w, r, http.StatusInternalServerError, &m.ar, errGeneric)
			return
		}
	case store.FactorEmail:
		if r.PostForm.Has("email") {
			addr, err := mail.ParseAddress(r.PostFormValue("email"))
			if err != nil || addr.Name != "" || len(addr.Address) > 254 {
				retry([]ui.FieldError{{Field: "email", Message: b.ui.T(m.lang, "mfa.error.email")}})
				return
			}
			if b.sendCode(w, r, m, addr.Address, "confirm-email") {
				http.Redirect(w, r, b.stepURL(m.flow, "mfa", "enrol", kind), http.StatusSeeOther)
			}
			return
		}
		if m.ar.PendingOTP == "" {
			http.Redirect(w, r, b.stepURL(m.flow, "mfa", "enrol", kind), http.StatusSeeOther)
			return
		}
		if b.throttled(w, r, m, retry) {
			return
		}
		err := b.email.Verify(ctx, m.ar.PendingOTP, m.acct.ID, r.PostFormValue("code"))
		if errors.Is(err, emailotp.ErrInvalidCode) {
			b.failed(w, r, m, kind, retry)
			return
		}
		if err != nil {
			b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return
		}
		if !b.settled(w, r, m) { // a lock that landed meanwhile wins: nothing is set up
			return
		}
		fac = store.Factor{ID: randomID(), Kind: kind, Name: name, Email: m.ar.PendingEmail}
	case store.FactorWebAuthn:
		var err error
		fac, err = b.webauthn.FinishRegistration(b.webauthnUser(m.acct), m.ar.WebAuthnSession, []byte(r.PostFormValue("response")), name, now)
		if err != nil {
			b.log.WarnContext(ctx, "security key registration refused", "error", err)
			retry([]ui.FieldError{{Field: "name", Message: b.ui.T(m.lang, "mfa.error.key")}})
			return
		}
	}
	fac.AccountID, fac.CreatedAt, fac.LastUsedAt = m.acct.ID, now, now
	if !b.storeNewFactor(w, r, m, fac) {
		return
	}
	if m.recovery == nil || m.ar.MFA.Recovered {
		b.newRecoveryCodes(w, r, m, kind)
		return
	}
	b.succeeded(w, r, m, kind, factorEnrolled)
}

// enrolRefused answers a set-up this request may not do: an account
// with a factor is proved by that factor first.
func (b *Broker) enrolRefused(w http.ResponseWriter, r *http.Request, m *mfaFlow, kind string) {
	b.log.WarnContext(r.Context(), "factor set-up refused: the account's own factor was not passed", "account", m.acct.ID, "kind", kind)
	b.audit(r.Context(), "factor.add", m.acct.ID, m.ar.ClientID, "refused", map[string]string{"kind": kind})
	b.errorPage(w, r, http.StatusForbidden, &m.ar, errInvalidRequest)
}

// storeNewFactor stores a factor just proven. As the account's first
// factor it counts only if it is still the only one once stored: two
// first set-ups racing on one account both start again, and neither gets
// past the factor the other set up.
func (b *Broker) storeNewFactor(w http.ResponseWriter, r *http.Request, m *mfaFlow, fac store.Factor) bool {
	ctx := r.Context()
	if err := b.st.CreateFactor(ctx, fac); err != nil {
		b.log.ErrorContext(ctx, "store new factor", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	first := !m.hasFactor()
	if first {
		all, err := b.st.ListFactors(ctx, m.acct.ID)
		if err == nil && len(all) > 1 {
			err = b.st.DeleteFactor(ctx, fac.ID)
			b.log.WarnContext(ctx, "another factor was set up meanwhile: this one is not the first", "account", m.acct.ID)
			if err == nil {
				http.Redirect(w, r, b.stepURL(m.flow, "mfa"), http.StatusSeeOther)
				return false
			}
		}
		if err != nil {
			b.log.ErrorContext(ctx, "check first factor", "error", err)
			b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return false
		}
		m.change(func(a *store.AuthRequest) { a.MFA.FirstEnrolment = true })
	}
	b.audit(ctx, "factor.add", m.acct.ID, m.ar.ClientID, "success", map[string]string{"kind": fac.Kind, "factor": fac.ID})
	if err := b.replaceFactor(ctx, m, fac); err != nil {
		b.log.ErrorContext(ctx, "remove the replaced factor", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	return true
}

// webauthnScript serves the security-key script (the only script the
// broker's pages load).
func webauthnScript() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(webauthn.Script)
	})
}

// replaceFactor removes the factor the new one replaces (an email factor
// whose address changed), if the request names one of the account's
// factors of the same kind.
func (b *Broker) replaceFactor(ctx context.Context, m *mfaFlow, fac store.Factor) error {
	if m.ar.ReplaceFactor == "" {
		return nil
	}
	old, err := b.st.GetFactor(ctx, m.ar.ReplaceFactor)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.AccountID != m.acct.ID || old.Kind != fac.Kind {
		return nil
	}
	if err := b.st.DeleteFactor(ctx, old.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	b.audit(ctx, "factor.replace", m.acct.ID, m.ar.ClientID, "success", map[string]string{"old": old.ID, "new": fac.ID})
	return nil
}

package broker

import (
	"errors"
	"net/http"
	"slices"
	"sort"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// The second-factor steps. Like every step they reload the auth request;
// they only ever act on the account the request has authenticated, and
// only with factor kinds the client accepts at the level it needs.
//
//	GET  /login/{id}/mfa                    enrol (no usable factor, or after a recovery code) or challenge
//	POST /login/{id}/mfa/enrol/{kind}       start setting up totp | email | webauthn
//	GET  /login/{id}/mfa/enrol/{kind}       the set-up page; POST it to finish
//	GET  /login/{id}/mfa/use/{factor}       challenge with one factor; POST the answer
//	POST /login/{id}/mfa/resend/{factor}    a new email code
//	GET  /login/{id}/mfa/recovery           recovery code; POST it
//	POST /login/{id}/mfa/saved              the person kept their new recovery codes
func (b *Broker) mountMFA(mux routes) {
	mux.HandleFunc("GET /login/{id}/mfa", b.mfaStep)
	mux.HandleFunc("POST /login/{id}/mfa/enrol/{kind}", b.enrolStart)
	mux.HandleFunc("GET /login/{id}/mfa/enrol/{kind}", b.enrolPage)
	// A security key's answer may carry an attestation certificate chain.
	mux.withBody(webauthnBody).HandleFunc("POST /login/{id}/mfa/enrol/{kind}/finish", b.enrolFinish)
	mux.HandleFunc("GET /login/{id}/mfa/use/{factor}", b.challengePage)
	mux.withBody(webauthnBody).HandleFunc("POST /login/{id}/mfa/use/{factor}", b.challengeAnswer)
	mux.HandleFunc("POST /login/{id}/mfa/resend/{factor}", b.resend)
	mux.HandleFunc("GET /login/{id}/mfa/recovery", b.recoveryPage)
	mux.HandleFunc("POST /login/{id}/mfa/recovery", b.recoveryAnswer)
	mux.HandleFunc("POST /login/{id}/mfa/saved", b.recoverySaved)
}

// mfaFlow is a flow at the second-factor stage: the account is known.
type mfaFlow struct {
	*flow
	acct     store.Account
	required string
	kinds    []string // factor kinds the client accepts at the required level
	// factors are the account's factors of enabled kinds (recovery codes
	// aside): those of usable kinds first, then the most recently used.
	// Any of them proves the account before a new factor is set up.
	factors  []store.Factor
	recovery *store.Factor // the account's recovery codes, if any
	// unusable counts the account's factors of kinds switched off here:
	// they still make it an account with a factor.
	unusable int
	attempt  *mfa.Attempt // reserved by throttled, settled by failed or succeeded
}

func (b *Broker) loadMFA(w http.ResponseWriter, r *http.Request) (*mfaFlow, bool) {
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return nil, false
	}
	if f.ar.AccountID == "" || f.ar.Done {
		http.Redirect(w, r, b.stepURL(f), http.StatusSeeOther)
		return nil, false
	}
	if r.Method == http.MethodPost && !b.checkForm(w, r, f) {
		return nil, false
	}
	ctx := r.Context()
	m := &mfaFlow{flow: f}
	var err error
	if m.acct, err = b.st.GetAccount(ctx, f.ar.AccountID); err != nil {
		b.log.ErrorContext(ctx, "account at mfa step", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return nil, false
	}
	if m.acct.Locked {
		b.errorPage(w, r, http.StatusForbidden, &f.ar, errLocked)
		return nil, false
	}
	m.required, _ = b.requiredACR(f.client, &f.ar)
	m.kinds = b.usableKinds(f.client, m.required)
	all, err := b.st.ListFactors(ctx, m.acct.ID)
	if err != nil {
		b.log.ErrorContext(ctx, "list factors", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return nil, false
	}
	for i := range all {
		switch {
		case all[i].Kind == store.FactorRecovery:
			m.recovery = &all[i]
		case slices.Contains(mfaKinds, all[i].Kind) && b.kindEnabled(all[i].Kind):
			m.factors = append(m.factors, all[i])
		default:
			m.unusable++
		}
	}
	sort.SliceStable(m.factors, func(i, j int) bool {
		ui, uj := slices.Contains(m.kinds, m.factors[i].Kind), slices.Contains(m.kinds, m.factors[j].Kind)
		if ui != uj {
			return ui
		}
		return m.factors[i].LastUsedAt.After(m.factors[j].LastUsedAt)
	})
	return m, true
}

// hasFactor: the account has a factor of any kind, recovery codes
// included; setting up another then needs one of them first.
func (m *mfaFlow) hasFactor() bool {
	return len(m.factors) > 0 || m.recovery != nil || m.unusable > 0
}

// mayEnrol: a kind the client accepts at the required level, on an
// account whose own factor this request has passed (or that has none, or
// after a recovery code).
func (m *mfaFlow) mayEnrol(kind string) bool {
	return slices.Contains(m.kinds, kind) && journey.MayEnrol(m.ar.MFA, m.hasFactor())
}

func (b *Broker) fieldError(f *flow, key string, args ...any) []ui.FieldError {
	return []ui.FieldError{{Field: "code", Message: b.ui.T(f.lang, key, args...)}}
}

// mfaStep decides between using a factor and setting one up: a factor
// that reaches the level if the account has one; else, before any set-up,
// one of the account's own factors (or a recovery code) to prove it is
// theirs; then the set-up.
func (b *Broker) mfaStep(w http.ResponseWriter, r *http.Request) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return
	}
	if _, passed := b.passed(m.flow); passed {
		http.Redirect(w, r, b.stepURL(m.flow), http.StatusSeeOther)
		return
	}
	p := m.ar.MFA
	switch {
	case p.Recovered:
		b.renderEnrolChoice(w, r, m)
	case len(m.factors) > 0 && (slices.Contains(m.kinds, m.factors[0].Kind) || len(p.Verified) == 0):
		http.Redirect(w, r, b.stepURL(m.flow, "mfa", "use", m.factors[0].ID), http.StatusSeeOther)
	case len(p.Verified) == 0 && b.lostURL(m) != "":
		http.Redirect(w, r, b.lostURL(m), http.StatusSeeOther)
	case !journey.MayEnrol(p, m.hasFactor()):
		b.log.WarnContext(r.Context(), "no usable second factor and no recovery code left", "account", m.acct.ID)
		b.errorPageMsg(w, r, http.StatusForbidden, &m.ar, "mfa.error.none")
	default:
		b.renderEnrolChoice(w, r, m)
	}
}

func (b *Broker) renderEnrolChoice(w http.ResponseWriter, r *http.Request, m *mfaFlow) {
	reason := "mfa.reason.first"
	switch {
	case m.ar.MFA.Recovered:
		reason = "mfa.reason.recovered"
	case m.hasFactor():
		reason = "mfa.reason.stronger"
	}
	var opts []ui.Choice
	for _, k := range m.kinds {
		opts = append(opts, ui.Choice{ID: k, Name: b.ui.T(m.lang, "mfa.kind."+k), Action: b.stepURL(m.flow, "mfa", "enrol", k)})
	}
	data := &ui.MFAChooseData{Common: b.csrf(m.flow), Enrol: true, Reason: b.ui.T(m.lang, reason), Options: opts,
		CancelURL: b.stepURL(m.flow, "cancel")}
	if !m.ar.MFA.Recovered {
		data.LostURL = b.lostURL(m)
	}
	b.ui.Render(w, r, http.StatusOK, m.lang, ui.PageMFAChoose, data)
}

// switchChoices lists the other factors the person may use instead.
func (b *Broker) switchChoices(m *mfaFlow, current string) []ui.Choice {
	var out []ui.Choice
	for _, x := range m.factors {
		if x.ID == current {
			continue
		}
		out = append(out, ui.Choice{ID: x.ID, Name: b.factorLabel(m.lang, x), Action: b.stepURL(m.flow, "mfa", "use", x.ID)})
	}
	return out
}

// factorLabel names a factor for the person: its kind and the name they
// gave it.
func (b *Broker) factorLabel(lang string, x store.Factor) string {
	name := b.ui.T(lang, "mfa.kind."+x.Kind)
	if x.Name != "" {
		name += " — " + x.Name
	}
	return name
}

func (b *Broker) lostURL(m *mfaFlow) string {
	if m.recovery == nil || recovery.Remaining(m.recovery.Codes) == 0 {
		return ""
	}
	return b.stepURL(m.flow, "mfa", "recovery")
}

// ofKind is the account's usable factors of one kind.
func (m *mfaFlow) ofKind(kind string) []store.Factor {
	var out []store.Factor
	for _, x := range m.factors {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return out
}

func (m *mfaFlow) factor(id string) (store.Factor, bool) {
	for _, x := range m.factors {
		if x.ID == id {
			return x, true
		}
	}
	return store.Factor{}, false
}

// loadChallenge loads the MFA stage and the factor a challenge names (one
// of the account's own factors, and only when no new factor is due after
// a recovery code).
func (b *Broker) loadChallenge(w http.ResponseWriter, r *http.Request) (*mfaFlow, store.Factor, bool) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return nil, store.Factor{}, false
	}
	x, ok := m.factor(r.PathValue("factor"))
	if !ok || m.ar.MFA.Recovered {
		http.Redirect(w, r, b.stepURL(m.flow, "mfa"), http.StatusSeeOther)
		return nil, store.Factor{}, false
	}
	return m, x, true
}

// challengePage asks for one factor.
func (b *Broker) challengePage(w http.ResponseWriter, r *http.Request) {
	if m, x, ok := b.loadChallenge(w, r); ok {
		b.renderChallenge(w, r, m, x, nil)
	}
}

func (b *Broker) renderChallenge(w http.ResponseWriter, r *http.Request, m *mfaFlow, x store.Factor, errs []ui.FieldError) {
	ctx := r.Context()
	action := b.stepURL(m.flow, "mfa", "use", x.ID)
	common, status := formState(b.csrf(m.flow), errs)
	switch x.Kind {
	case store.FactorWebAuthn:
		opts, sess, err := b.webauthn.BeginLogin(b.webauthnUser(m.acct), m.ofKind(store.FactorWebAuthn))
		if err == nil {
			err = b.writeFlow(ctx, m.flow, func(a *store.AuthRequest) {
				a.WebAuthnSession = sess
			})
		}
		if err != nil {
			b.log.ErrorContext(ctx, "begin security key sign-in", "error", err)
			b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
			return
		}
		b.ui.Render(w, r, status, m.lang, ui.PageWebAuthn, &ui.WebAuthnData{Common: common, OptionsJSON: string(opts),
			Action: action, Switch: b.switchChoices(m, x.ID), LostURL: b.lostURL(m), CancelURL: b.stepURL(m.flow, "cancel")})
	case store.FactorEmail:
		if m.ar.PendingOTP == "" || m.ar.PendingEmail != x.Email {
			if !b.sendCode(w, r, m, x.Email, "signin") {
				return
			}
		}
		b.ui.Render(w, r, status, m.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: x.Kind, SentTo: maskEmail(x.Email),
			Action: action, ResendAction: b.stepURL(m.flow, "mfa", "resend", x.ID), Switch: b.switchChoices(m, x.ID),
			LostURL: b.lostURL(m), CancelURL: b.stepURL(m.flow, "cancel")})
	default:
		b.ui.Render(w, r, status, m.lang, ui.PageCode, &ui.CodeData{Common: common, Kind: x.Kind, Action: action,
			Switch: b.switchChoices(m, x.ID), LostURL: b.lostURL(m), CancelURL: b.stepURL(m.flow, "cancel")})
	}
}

// sendCode emails a code and records it as pending; on a rate limit it
// answers with the page itself and returns false.
func (b *Broker) sendCode(w http.ResponseWriter, r *http.Request, m *mfaFlow, addr, purpose string) bool {
	ctx := r.Context()
	id, err := b.email.Send(ctx, m.acct.ID, purpose, addr, m.lang)
	if errors.Is(err, emailotp.ErrRateLimited) {
		b.log.WarnContext(ctx, "email code rate limit", "account", m.acct.ID)
		b.errorPageMsg(w, r, http.StatusTooManyRequests, &m.ar, "mfa.error.rate")
		return false
	}
	if err == nil {
		err = b.writeFlow(ctx, m.flow, func(a *store.AuthRequest) {
			a.PendingOTP, a.PendingEmail = id, addr
		})
	}
	if err != nil {
		b.log.ErrorContext(ctx, "send email code", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return false
	}
	m.ar.PendingOTP, m.ar.PendingEmail = id, addr
	return true
}

func (b *Broker) resend(w http.ResponseWriter, r *http.Request) {
	m, ok := b.loadMFA(w, r)
	if !ok {
		return
	}
	x, ok := m.factor(r.PathValue("factor"))
	if !ok || x.Kind != store.FactorEmail {
		http.Redirect(w, r, b.stepURL(m.flow, "mfa"), http.StatusSeeOther)
		return
	}
	if b.sendCode(w, r, m, x.Email, "signin") {
		http.Redirect(w, r, b.stepURL(m.flow, "mfa", "use", x.ID), http.StatusSeeOther)
	}
}

// challengeAnswer checks the answer to a challenge.
func (b *Broker) challengeAnswer(w http.ResponseWriter, r *http.Request) {
	m, x, ok := b.loadChallenge(w, r)
	if !ok {
		return
	}
	retry := func(errs []ui.FieldError) { b.renderChallenge(w, r, m, x, errs) }
	if b.throttled(w, r, m, retry) {
		return
	}
	ok, err := b.verifyFactor(r, m, x)
	if err != nil {
		b.log.ErrorContext(r.Context(), "verify factor", "kind", x.Kind, "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, &m.ar, errGeneric)
		return
	}
	if !ok {
		b.failed(w, r, m, x.Kind, retry)
		return
	}
	b.succeeded(w, r, m, x.Kind, factorAnswered)
}

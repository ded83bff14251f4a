package broker

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// The second-factor steps. Like every step they reload the auth request;
// they only ever act on the account the request has authenticated, and
// only with factor kinds the client accepts at the level it needs. What
// a kind does is its mfa.Factor's business (the registry, factors.go):
// these pages only render what it asks and keep its state.
//
//	GET  /login/{id}/mfa                    enrol (no usable factor, or after a recovery code) or challenge
//	POST /login/{id}/mfa/enrol/{kind}       start setting up a kind (an mfa.Enroller)
//	GET  /login/{id}/mfa/enrol/{kind}       the set-up page; POST it to finish
//	POST /login/{id}/mfa/enrol/{kind}/resend a new code to the address being set up (an mfa.EnrolResender)
//	GET  /login/{id}/mfa/use/{factor}       challenge with one factor; POST the answer
//	POST /login/{id}/mfa/resend/{factor}    a new code (an mfa.Resender)
//	GET  /login/{id}/mfa/recovery           recovery code; POST it
//	GET  /login/{id}/mfa/codes              the new recovery codes, until saved (mfa_codes.go)
//	GET  /login/{id}/mfa/codes.txt          the same, as a file
//	POST /login/{id}/mfa/saved              the person kept their new recovery codes
//
// mfaPages serves them. What it needs of the journey (loading and
// writing the flow, the dispatcher, the completion gate, the error pages,
// the audit log) comes from the core.
type mfaPages struct {
	core     *Broker
	st       store.Store
	ui       *ui.UI
	factors  *mfa.Registry
	recovery *recovery.Factor // the fallback
	reg      *mfa.Regulator
	log      *slog.Logger
	now      func() time.Time
}

func (b *Broker) mfaPages() mfaPages {
	rec, _ := b.factors.Get(recoveryKind)
	p := mfaPages{core: b, st: b.st, ui: b.ui, factors: b.factors, reg: b.reg, log: b.log, now: b.now}
	p.recovery, _ = rec.(*recovery.Factor)
	return p
}

// recoveryKind is the fallback's kind: recovery codes reach a level only
// as a way to a replacement factor (the completion gate).
const recoveryKind = store.FactorRecovery

func (p mfaPages) Mount(mux routes) {
	mux.HandleFunc("GET /login/{id}/mfa", p.step)
	mux.HandleFunc("POST /login/{id}/mfa/enrol/{kind}", p.enrolStart)
	mux.HandleFunc("GET /login/{id}/mfa/enrol/{kind}", p.enrolPage)
	// A security key's answer may carry an attestation certificate chain.
	mux.withBody(webauthnBody).HandleFunc("POST /login/{id}/mfa/enrol/{kind}/finish", p.enrolFinish)
	mux.HandleFunc("POST /login/{id}/mfa/enrol/{kind}/resend", p.enrolResend)
	mux.HandleFunc("GET /login/{id}/mfa/use/{factor}", p.challengePage)
	mux.withBody(webauthnBody).HandleFunc("POST /login/{id}/mfa/use/{factor}", p.challengeAnswer)
	mux.HandleFunc("POST /login/{id}/mfa/resend/{factor}", p.resend)
	mux.HandleFunc("GET /login/{id}/mfa/recovery", p.recoveryPage)
	mux.HandleFunc("POST /login/{id}/mfa/recovery", p.recoveryAnswer)
	mux.HandleFunc("GET /login/{id}/mfa/codes", p.codesPage)
	mux.HandleFunc("GET /login/{id}/mfa/codes.txt", p.codesFile)
	mux.HandleFunc("POST /login/{id}/mfa/saved", p.recoverySaved)
}

// mfaFlow is a flow at the second-factor stage: the account is known.
type mfaFlow struct {
	*flow
	acct     store.Account
	required string
	kinds    []string // factor kinds the client accepts at the required level
	// factors are the account's factors of kinds that are on (recovery
	// codes aside): those of usable kinds first, then the most recently
	// used. Any of them proves the account before a new factor is set up.
	factors  []store.Factor
	recovery *store.Factor // the account's recovery codes, if any
	// unusable counts the account's factors of kinds switched off here:
	// they still make it an account with a factor.
	unusable int
	attempt  *mfa.Attempt // reserved by throttled (not for an mfa.Checker), settled by failed or succeeded
}

func (p mfaPages) load(w http.ResponseWriter, r *http.Request) (*mfaFlow, bool) {
	b := p.core
	ctx := r.Context()
	// The request, its account and the account's factors in one read.
	ar, acct, all, err := p.st.GetAuthRequestWithAccount(ctx, r.PathValue("id"))
	if ar.ID == "" {
		b.flowNotRead(w, r, err)
		return nil, false
	}
	f, ok := b.flowOf(w, r, ar, b.sessions.cookie(r, "browser"), true)
	if !ok {
		return nil, false
	}
	if f.ar.AccountID == "" || f.ar.Done {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return nil, false
	}
	if r.Method == http.MethodPost && !b.checkForm(w, r, f) {
		return nil, false
	}
	m := &mfaFlow{flow: f}
	if err != nil {
		p.log.ErrorContext(ctx, "account and factors at mfa step", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return nil, false
	}
	m.acct = acct
	if m.acct.Locked {
		b.pages.errorPage(w, r, http.StatusForbidden, &f.ar, errLocked)
		return nil, false
	}
	if dormancy.Dormant(m.acct) {
		b.dormantPage(w, r, &f.ar)
		return nil, false
	}
	p.useFactors(m, all)
	return m, true
}

// useFactors fills in what m's account may use of all, its factors, at
// the level the client requires: the kinds, the factors in order and
// its recovery codes.
func (p mfaPages) useFactors(m *mfaFlow, all []store.Factor) {
	b := p.core
	m.required, _ = b.policy.requiredACR(m.client, &m.ar)
	m.kinds = b.policy.usableKinds(m.client, m.required)
	enrollable := p.factors.Enrollable()
	for i := range all {
		if all[i].Kind == recoveryKind {
			m.recovery = &all[i]
		} else if slices.Contains(enrollable, all[i].Kind) {
			m.factors = append(m.factors, all[i])
		} else {
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
}

// entry is where the dispatcher sends the browser for the second factor
// of f's account acct: straight to the challenge of the factor step would
// ask for (one round trip fewer), else to step, which decides.
func (p mfaPages) entry(ctx context.Context, f *flow, acct store.Account) string {
	all := f.factors
	if f.factorsOf != acct.ID {
		var err error
		if all, err = p.st.ListFactors(ctx, acct.ID); err != nil {
			return f.stepURL("mfa")
		}
	}
	m := &mfaFlow{flow: f, acct: acct}
	p.useFactors(m, all)
	if challengeFirst(m) {
		return f.stepURL("mfa", "use", m.factors[0].ID)
	}
	return f.stepURL("mfa")
}

// challengeFirst: step asks for the account's first factor (one that
// reaches the level, or any before a set-up), no recovery code having
// been used.
func challengeFirst(m *mfaFlow) bool {
	pr := m.ar.MFA
	return !pr.Recovered && len(m.factors) > 0 && (slices.Contains(m.kinds, m.factors[0].Kind) || len(pr.Verified) == 0)
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

func (p mfaPages) fieldError(f *flow, key string, args ...any) []ui.FieldError {
	return []ui.FieldError{{Field: "code", Message: p.ui.T(f.lang, key, args...)}}
}

// step decides between using a factor and setting one up: a factor that
// reaches the level if the account has one; else, before any set-up, one
// of the account's own factors (or a recovery code) to prove it is
// theirs; then the set-up.
func (p mfaPages) step(w http.ResponseWriter, r *http.Request) {
	m, ok := p.load(w, r)
	if !ok {
		return
	}
	b := p.core
	if _, passed := b.passed(m.flow); passed {
		http.Redirect(w, r, m.flow.stepURL(), http.StatusSeeOther)
		return
	}
	pr := m.ar.MFA
	switch {
	case pr.Recovered:
		p.renderEnrolChoice(w, r, m)
	case challengeFirst(m):
		http.Redirect(w, r, m.flow.stepURL("mfa", "use", m.factors[0].ID), http.StatusSeeOther)
	case len(pr.Verified) == 0 && p.lostURL(m) != "":
		http.Redirect(w, r, p.lostURL(m), http.StatusSeeOther)
	case !journey.MayEnrol(pr, m.hasFactor()):
		p.log.WarnContext(r.Context(), "no usable second factor and no recovery code left", "account", m.acct.ID)
		b.pages.errorMsg(w, r, http.StatusForbidden, &m.ar, "mfa.error.none")
	default:
		p.renderEnrolChoice(w, r, m)
	}
}

func (p mfaPages) renderEnrolChoice(w http.ResponseWriter, r *http.Request, m *mfaFlow) {
	b := p.core
	reason := "mfa.reason.first"
	switch {
	case m.ar.MFA.Recovered:
		reason = "mfa.reason.recovered"
	case m.hasFactor():
		reason = "mfa.reason.stronger"
	}
	var opts []ui.Choice
	for _, k := range m.kinds {
		opts = append(opts, ui.Choice{ID: k, Name: p.ui.T(m.lang, "mfa.kind."+k), Description: p.ui.T(m.lang, "mfa.about."+k),
			Action: m.flow.stepURL("mfa", "enrol", k)})
	}
	data := &ui.MFAChooseData{Common: b.csrf(m.flow), Enrol: true, Reason: p.ui.T(m.lang, reason), Options: opts,
		CancelURL: m.flow.stepURL("cancel")}
	if !m.ar.MFA.Recovered {
		data.LostURL = p.lostURL(m)
	}
	p.ui.Render(w, r, http.StatusOK, m.lang, ui.PageMFAChoose, data)
}

// switchChoices lists the other factors the person may use instead.
func (p mfaPages) switchChoices(m *mfaFlow, current string) []ui.Choice {
	var out []ui.Choice
	for _, x := range m.factors {
		if x.ID == current {
			continue
		}
		out = append(out, ui.Choice{ID: x.ID, Name: p.factorLabel(m.lang, x), Description: p.ui.T(m.lang, "mfa.about."+x.Kind),
			Action: m.flow.stepURL("mfa", "use", x.ID)})
	}
	return out
}

// factorLabel names a factor for the person: its kind and the name they
// gave it.
func (p mfaPages) factorLabel(lang string, x store.Factor) string {
	name := p.ui.T(lang, "mfa.kind."+x.Kind)
	if x.Name != "" {
		name += " — " + x.Name
	}
	return name
}

func (p mfaPages) lostURL(m *mfaFlow) string {
	if m.recovery == nil || recovery.Remaining(m.recovery.Codes) == 0 {
		return ""
	}
	return m.flow.stepURL("mfa", "recovery")
}

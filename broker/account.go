package broker

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/recovery"
	"github.com/passerelle/passerelle/store"
)

// The account security page. It opens only to a browser whose SSO
// session passed a second factor for it in the last accountWindow: the
// page starts an internal sign-in for the built-in account client, which
// always asks for a factor (like Keycloak's account console, a client of
// the broker itself), and its completion opens the window instead of
// issuing a code.
//
//	GET  /account/security                   the page (or the internal sign-in)
//	POST /account/security/factor/{id}/rename
//	POST /account/security/factor/{id}/remove  never the last factor
//	POST /account/security/factor/{id}/change  an email factor's new address, confirmed by code
//	POST /account/security/add/{kind}        internal sign-in that ends in set-up
//	POST /account/security/recovery          new codes; the old ones stop working
const (
	accountClientID = "passerelle-account"
	accountWindow   = 10 * time.Minute
)

func (b *Broker) mountAccount(mux routes) {
	mux.HandleFunc("GET /account/security", b.securityPage)
	mux.HandleFunc("POST /account/security/factor/{id}/rename", b.renameFactor)
	mux.HandleFunc("POST /account/security/factor/{id}/remove", b.removeFactor)
	mux.HandleFunc("POST /account/security/factor/{id}/change", b.changeEmailFactor)
	mux.HandleFunc("POST /account/security/add/{kind}", b.addFactor)
	mux.HandleFunc("POST /account/security/recovery", b.regenerateRecovery)
}

// accountClient is the built-in client of the account pages: every
// factor, a factor at every visit.
func (b *Broker) accountClient() *client {
	return &client{Client: store.Client{ID: accountClientID, MFA: store.ClientMFA{EverySignIn: true},
		Name: map[string]string{"en": "Your Passerelle account", "fr": "Votre compte Passerelle"}}}
}

// accountView is an open account page request.
type accountView struct {
	s       store.Session
	acct    store.Account
	lang    string
	csrf    string
	factors []store.Factor
}

// accountIntent is what an internal sign-in ends with besides opening the
// window: setting up a factor, or linking a credential.
type accountIntent struct{ addKind, linkProvider, replace string }

// openAccount returns the account of a browser whose window is open; when
// it is not, or when there is an intent, it starts the internal sign-in
// and returns false.
func (b *Broker) openAccount(w http.ResponseWriter, r *http.Request, in accountIntent) (*accountView, bool) {
	ctx := r.Context()
	lang := b.pageLang(r, nil)
	s, _, ok := b.currentSession(ctx, r)
	if ok && in == (accountIntent{}) && b.now().Before(s.AccountUntil) {
		acct, err := b.st.GetAccount(ctx, s.AccountID)
		if err == nil && !acct.Locked {
			v := &accountView{s: s, acct: acct, lang: lang, csrf: b.secrets.csrfToken(s.ID, b.cookie(r, "browser"))}
			if v.factors, err = b.st.ListFactors(ctx, acct.ID); err == nil {
				return v, true
			}
		}
		if err != nil {
			b.log.ErrorContext(ctx, "open account page", "error", err)
			b.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
			return nil, false
		}
	}
	// Where the person lands once the window is open: the page they asked
	// for, or the one their intent belongs to.
	back := "/account"
	if in.addKind != "" || r.URL.Path == "/account/security" {
		back = "/account/security"
	}
	now := b.now()
	ar := store.AuthRequest{ID: randomID(), ClientID: accountClientID, RedirectURI: back,
		Scopes: []string{"openid"}, ResponseType: "code", Browser: store.HashToken(b.browserID(w, r)),
		UILocales: []string{lang}, AddKind: in.addKind, LinkProvider: in.linkProvider, ReplaceFactor: in.replace, CreatedAt: now, ExpiresAt: now.Add(b.cfg.Tokens.AuthRequest)}
	if err := b.st.CreateAuthRequest(ctx, ar); err != nil {
		b.log.ErrorContext(ctx, "start account sign-in", "error", err)
		b.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
		return nil, false
	}
	http.Redirect(w, r, "/login/"+url.PathEscape(ar.ID), http.StatusSeeOther)
	return nil, false
}

// accountDone ends the internal sign-in: the window opens, and the person
// lands on the account page (or on the set-up it asked for).
func (b *Broker) accountDone(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	if !f.ar.NewSession {
		// A session this request created has its window already
		// (openSession).
		b.openAccountWindow(ctx, r, f.ar.SessionID, f.ar.AccountID)
	}
	_ = b.st.DeleteAuthRequest(ctx, f.ar.ID)
	http.Redirect(w, r, f.ar.RedirectURI, http.StatusSeeOther)
}

// openAccountWindow lets the browser's current session into the account
// pages for accountWindow: only the session the sign-in reused, of the
// account it signed in.
func (b *Broker) openAccountWindow(ctx context.Context, r *http.Request, sid, accountID string) {
	_, hash, ok := b.currentSession(ctx, r)
	if !ok {
		return
	}
	until := b.now().Add(accountWindow)
	err := b.st.UpdateSession(ctx, hash, func(s store.Session) (store.Session, error) {
		if s.ID != sid || s.AccountID != accountID {
			return s, errNotThisSession
		}
		s.AccountUntil = until
		return s, nil
	})
	if errors.Is(err, errNotThisSession) {
		b.log.WarnContext(ctx, "account window not opened: the browser's session is not the sign-in's", "account", accountID)
		return
	}
	if err != nil {
		b.log.ErrorContext(ctx, "open account window", "error", err)
	}
}

func (b *Broker) checkAccountForm(w http.ResponseWriter, r *http.Request, v *accountView) bool {
	if !b.secrets.checkCSRF(v.s.ID, b.cookie(r, "browser"), r.PostFormValue("csrf")) {
		b.errorPage(w, r, http.StatusForbidden, nil, errCSRF)
		return false
	}
	return true
}

func (b *Broker) securityPage(w http.ResponseWriter, r *http.Request) {
	v, ok := b.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	notice := ""
	if n := r.URL.Query().Get("done"); n != "" && strings.IndexFunc(n, func(c rune) bool { return c < 'a' || c > 'z' }) < 0 {
		notice = b.ui.T(v.lang, "security.notice."+n)
	}
	b.renderSecurity(w, r, v, notice, nil)
}

func (b *Broker) renderSecurity(w http.ResponseWriter, r *http.Request, v *accountView, notice string, errs []ui.FieldError) {
	common, status := formState(ui.Common{CSRF: v.csrf}, errs)
	data := &ui.SecurityData{Common: common, URN: v.acct.URN, Notice: notice,
		RegenerateAction: "/account/security/recovery", SignOutEverywhereAction: "/account/signout-everywhere"}
	usable := 0
	for _, x := range v.factors {
		if x.Kind != store.FactorRecovery {
			usable++
		}
	}
	for _, x := range v.factors {
		if x.Kind == store.FactorRecovery {
			data.RecoveryRemaining = recovery.Remaining(x.Codes)
			continue
		}
		row := ui.FactorRow{ID: x.ID, Kind: x.Kind, Name: x.Name, Added: x.CreatedAt.Format("2006-01-02"),
			RenameAction: "/account/security/factor/" + x.ID + "/rename"}
		if !x.LastUsedAt.IsZero() {
			row.LastUsed = x.LastUsedAt.Format("2006-01-02")
		}
		if x.Kind == store.FactorEmail {
			row.Detail = maskEmail(x.Email)
			if b.email != nil {
				row.ChangeAction = "/account/security/factor/" + x.ID + "/change"
			}
		}
		if usable > 1 {
			row.RemoveAction = "/account/security/factor/" + x.ID + "/remove"
		}
		data.Factors = append(data.Factors, row)
	}
	for _, k := range mfaKinds {
		if b.kindEnabled(k) {
			data.AddOptions = append(data.AddOptions, ui.Choice{ID: k, Name: b.ui.T(v.lang, "security.add."+k),
				Action: "/account/security/add/" + k})
		}
	}
	b.ui.Render(w, r, status, v.lang, ui.PageSecurity, data)
}

// ownFactor finds one of the account's factors (never another's).
func (v *accountView) ownFactor(id string) (store.Factor, bool) {
	for _, x := range v.factors {
		if x.ID == id && x.Kind != store.FactorRecovery {
			return x, true
		}
	}
	return store.Factor{}, false
}

// accountFactor opens the account for a POST on one of its factors.
func (b *Broker) accountFactor(w http.ResponseWriter, r *http.Request) (*accountView, store.Factor, bool) {
	v, ok := b.openAccount(w, r, accountIntent{})
	if !ok || !b.checkAccountForm(w, r, v) {
		return nil, store.Factor{}, false
	}
	x, ok := v.ownFactor(r.PathValue("id"))
	if !ok {
		b.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return nil, store.Factor{}, false
	}
	return v, x, true
}

func (b *Broker) renameFactor(w http.ResponseWriter, r *http.Request) {
	v, x, ok := b.accountFactor(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxFactorName {
		b.renderSecurity(w, r, v, "", []ui.FieldError{{Field: "name-" + x.ID, Message: b.ui.T(v.lang, "mfa.error.name")}})
		return
	}
	err := b.st.UpdateFactor(r.Context(), x.ID, func(f store.Factor) (store.Factor, error) {
		f.Name = name
		return f, nil
	})
	b.accountChanged(w, r, v, err, "factor.rename", x.ID, "renamed")
}

func (b *Broker) removeFactor(w http.ResponseWriter, r *http.Request) {
	v, x, ok := b.accountFactor(w, r)
	if !ok {
		return
	}
	usable := 0
	for _, y := range v.factors {
		if y.Kind != store.FactorRecovery {
			usable++
		}
	}
	if usable < 2 {
		b.renderSecurity(w, r, v, "", []ui.FieldError{{Message: b.ui.T(v.lang, "mfa.error.last")}})
		return
	}
	err := b.st.DeleteFactor(r.Context(), x.ID)
	b.accountChanged(w, r, v, err, "factor.remove", x.ID, "removed")
}

// changeEmailFactor starts the set-up of a new address for an email
// factor; the old factor goes only once a code sent to the new address
// has come back.
func (b *Broker) changeEmailFactor(w http.ResponseWriter, r *http.Request) {
	_, x, ok := b.accountFactor(w, r)
	if !ok {
		return
	}
	if x.Kind != store.FactorEmail || b.email == nil {
		b.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return
	}
	b.openAccount(w, r, accountIntent{addKind: store.FactorEmail, replace: x.ID})
}

// addFactor starts an internal sign-in that ends in setting up kind: the
// current factor first, then the new one.
func (b *Broker) addFactor(w http.ResponseWriter, r *http.Request) {
	v, ok := b.openAccount(w, r, accountIntent{})
	if !ok || !b.checkAccountForm(w, r, v) {
		return
	}
	kind := r.PathValue("kind")
	if !b.kindEnabled(kind) || (kind != store.FactorTOTP && kind != store.FactorEmail && kind != store.FactorWebAuthn) {
		b.errorPage(w, r, http.StatusBadRequest, nil, errInvalidRequest)
		return
	}
	b.openAccount(w, r, accountIntent{addKind: kind})
}

func (b *Broker) regenerateRecovery(w http.ResponseWriter, r *http.Request) {
	v, ok := b.openAccount(w, r, accountIntent{})
	if !ok || !b.checkAccountForm(w, r, v) {
		return
	}
	ctx := r.Context()
	codes, stored, err := recovery.Generate(b.cfg.MFA.Recovery.Count)
	if err == nil {
		err = b.replaceRecovery(r, v.acct.ID, v.factors, stored)
	}
	if err != nil {
		b.accountChanged(w, r, v, err, "recovery.generate", "", "")
		return
	}
	b.audit(ctx, "recovery.generate", v.acct.ID, "", "success", nil)
	b.ui.Render(w, r, http.StatusOK, v.lang, ui.PageRecoveryCodes, &ui.RecoveryCodesData{Common: ui.Common{CSRF: v.csrf},
		Codes: codes, Action: "/account/security?done=recovery"})
}

// replaceRecovery swaps in a new set: every old code stops working in the
// same write.
func (b *Broker) replaceRecovery(r *http.Request, accountID string, factors []store.Factor, codes []store.RecoveryCode) error {
	for _, x := range factors {
		if x.Kind == store.FactorRecovery {
			return b.st.UpdateFactor(r.Context(), x.ID, func(f store.Factor) (store.Factor, error) {
				f.Codes, f.CreatedAt, f.LastUsedAt = codes, b.now(), time.Time{}
				return f, nil
			})
		}
	}
	return b.st.CreateFactor(r.Context(), store.Factor{ID: randomID(), AccountID: accountID, Kind: store.FactorRecovery,
		Codes: codes, CreatedAt: b.now()})
}

// accountChanged audits a change of the security page and shows it
// with its notice.
func (b *Broker) accountChanged(w http.ResponseWriter, r *http.Request, v *accountView, err error, kind, factor, notice string) {
	if errors.Is(err, store.ErrNotFound) {
		b.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return
	}
	if err == nil {
		b.audit(r.Context(), kind, v.acct.ID, "", "success", map[string]string{"factor": factor})
	}
	b.accountChangedTo(w, r, v, err, "", "/account/security?done="+notice)
}

package broker

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/store"
)

// The account page: the URN, the language, the contact address, the
// linked credentials, and "sign out everywhere". Like the security page it
// opens after a fresh second factor; every change is an audit event.
//
//	GET  /account
//	POST /account/lang                     en or fr
//	POST /account/email                    a new address: a code is sent to it
//	GET  /account/email/confirm            the code; POST it
//	POST /account/link/{provider}          sign in with another credential to link it
//	POST /account/unlink/{provider}        never the last credential; confirm=yes, else the confirmation page
//	POST /account/signout-everywhere       every session ends, every token is revoked
//	POST /account/extend                   more time in the account window (timelimit.go)
//
// accountPage serves the account page. What it needs of the journey
// (opening the account window, the error pages, the audit log) comes from
// the core.
type accountPage struct {
	core  *Broker
	st    store.Store
	ui    *ui.UI
	email *emailotp.Sender // nil: the email factor is off, no address change
	reg   *mfa.Regulator
}

func (pg accountPage) Mount(mux routes) {
	mux.HandleFunc("GET /account", pg.accountPage)
	mux.HandleFunc("POST /account/lang", pg.accountLang)
	mux.HandleFunc("POST /account/email", pg.accountEmail)
	mux.HandleFunc("GET /account/email/confirm", pg.accountEmailPage)
	mux.HandleFunc("POST /account/email/confirm", pg.accountEmailConfirm)
	mux.HandleFunc("POST /account/link/{provider}", pg.accountLink)
	mux.HandleFunc("POST /account/unlink/{provider}", pg.accountUnlink)
	mux.HandleFunc("POST /account/signout-everywhere", pg.signOutEverywhere)
	mux.HandleFunc("POST /account/extend", pg.core.extendAccount)
}

func (pg accountPage) accountPage(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	pg.renderAccount(w, r, v, doneNotice(r, pg.ui, v.lang, "account.notice."), nil)
}

func (pg accountPage) renderAccount(w http.ResponseWriter, r *http.Request, v *accountView, notice string, errs []ui.FieldError) {
	links, err := pg.st.ListLinks(r.Context(), v.acct.ID)
	if err != nil {
		pg.core.log.ErrorContext(r.Context(), "list links", "error", err)
		pg.core.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
		return
	}
	lang := v.acct.Locale
	if lang != "fr" {
		lang = "en"
	}
	common, status := formState(v.common(), errs)
	data := &ui.AccountData{Common: common, URN: v.acct.URN, Email: v.acct.Email,
		EmailAction: "/account/email", Lang: lang, LangAction: "/account/lang", SecurityURL: "/account/security",
		SignOutEverywhereAction: "/account/signout-everywhere", Notice: notice}
	if orgClients, err := pg.core.orgClients(r.Context()); err == nil && len(orgClients) > 0 {
		data.OrgsURL = orgsPath
	}
	linked := map[string]bool{}
	for _, l := range links {
		linked[l.Provider] = true
		row := ui.LinkRow{Provider: l.Provider, Name: name(pg.core.catalog().upstreams[l.Provider].Name, v.lang, l.Provider),
			Added: l.CreatedAt.Format("2006-01-02")}
		if len(links) > 1 {
			row.UnlinkAction = "/account/unlink/" + l.Provider
		}
		data.Links = append(data.Links, row)
	}
	for _, id := range pg.core.catalog().order {
		if !linked[id] {
			data.LinkOptions = append(data.LinkOptions, ui.Choice{ID: id, Name: name(pg.core.catalog().upstreams[id].Name, v.lang, id),
				Action: "/account/link/" + id})
		}
	}
	pg.ui.Render(w, r, status, v.lang, ui.PageAccount, data)
}

// accountPost opens the account for a POST and checks its CSRF token.
func (pg accountPage) accountPost(w http.ResponseWriter, r *http.Request) (*accountView, bool) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok || !pg.core.checkAccountForm(w, r, v) {
		return nil, false
	}
	return v, true
}

func (pg accountPage) accountLang(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	lang := r.PostFormValue("lang")
	if lang != "en" && lang != "fr" {
		pg.renderAccount(w, r, v, "", []ui.FieldError{{Field: "lang-en", Message: pg.ui.T(v.lang, "field.error.required", pg.ui.T(v.lang, "account.lang.legend"))}})
		return
	}
	err := pg.st.UpdateAccount(r.Context(), v.acct.ID, func(a store.Account) (store.Account, error) {
		a.Locale, a.LocaleFrom = lang, "" // the person's own choice now
		return a, nil
	})
	if err == nil {
		pg.ui.SetLanguage(w, lang)
	}
	pg.core.accountChangedTo(w, r, v, err, "account.lang", "/account?done=lang")
}

// accountEmail sends a code to a new address; the address changes only
// when the code comes back.
func (pg accountPage) accountEmail(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	addr, err := mail.ParseAddress(r.PostFormValue("email"))
	if err != nil || addr.Name != "" || len(addr.Address) > 254 || pg.email == nil {
		pg.renderAccount(w, r, v, "", []ui.FieldError{{Field: "email", Message: pg.ui.T(v.lang, "register.error.email")}})
		return
	}
	otpID, err := pg.email.Send(r.Context(), v.acct.ID, "change-email", addr.Address, v.lang)
	if errors.Is(err, emailotp.ErrRateLimited) {
		pg.renderAccount(w, r, v, "", []ui.FieldError{{Field: "email", Message: pg.ui.T(v.lang, "mfa.error.rate")}})
		return
	}
	if err == nil {
		err = pg.st.UpdateSession(r.Context(), v.s.Hash, func(s store.Session) (store.Session, error) {
			s.PendingEmail, s.PendingOTP = addr.Address, otpID
			return s, nil
		})
	}
	pg.core.accountChangedTo(w, r, v, err, "", "/account/email/confirm")
}

func (pg accountPage) accountEmailPage(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.core.openAccount(w, r, accountIntent{})
	if !ok {
		return
	}
	pg.renderEmailCode(w, r, v, nil)
}

func (pg accountPage) renderEmailCode(w http.ResponseWriter, r *http.Request, v *accountView, errs []ui.FieldError) {
	if v.s.PendingOTP == "" {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	common, status := formState(v.common(), errs)
	pg.ui.Render(w, r, status, v.lang, ui.PageCode, &ui.CodeData{Common: common,
		Kind: "change-email", SentTo: maskEmail(v.s.PendingEmail), Action: "/account/email/confirm", CancelURL: "/account",
		ValidFor: pg.core.cfg.MFA.Email.CodeTTL})
}

func (pg accountPage) accountEmailConfirm(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	if v.s.PendingOTP == "" {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	// The code counts toward the account's failures like any other: the
	// attempt is reserved before the code is checked.
	att, err := pg.reg.Reserve(ctx, v.acct.ID)
	var delay *mfa.DelayError
	switch {
	case errors.Is(err, mfa.ErrLocked):
		pg.core.pages.errorPage(w, r, http.StatusForbidden, nil, errLocked)
		return
	case errors.As(err, &delay):
		pg.renderEmailCode(w, r, v, []ui.FieldError{{Field: "code", Message: pg.ui.T(v.lang, "mfa.error.wait", delay.Wait.Round(1e9).String())}})
		return
	case err != nil:
		pg.core.accountChangedTo(w, r, v, err, "", "")
		return
	}
	err = pg.email.VerifyRegulated(ctx, v.s.PendingOTP, v.acct.ID, r.PostFormValue("code"))
	if errors.Is(err, emailotp.ErrInvalidCode) {
		if locked, ferr := att.Failed(ctx); ferr == nil && locked {
			pg.core.audits.record(ctx, "lockout", v.acct.ID, "", "locked", nil)
		}
		pg.renderEmailCode(w, r, v, []ui.FieldError{{Field: "code", Message: pg.ui.T(v.lang, "confirm.error.code")}})
		return
	}
	if err == nil {
		// A right code confirms an address, not the person: it gives its
		// attempt back without clearing earlier failures. A lock that
		// landed meanwhile wins.
		if err = att.Release(ctx); errors.Is(err, mfa.ErrLocked) {
			pg.core.pages.errorPage(w, r, http.StatusForbidden, nil, errLocked)
			return
		}
	}
	addr := v.s.PendingEmail
	if err == nil {
		err = pg.st.UpdateAccount(ctx, v.acct.ID, func(a store.Account) (store.Account, error) {
			// Confirmed here with a code: Passerelle's own value now.
			a.Email, a.EmailVerified, a.EmailFrom = addr, true, ""
			return a, nil
		})
	}
	if err == nil {
		err = pg.st.UpdateSession(ctx, v.s.Hash, func(s store.Session) (store.Session, error) {
			s.PendingEmail, s.PendingOTP = "", ""
			return s, nil
		})
	}
	if err == nil && v.acct.Email != addr {
		pg.core.audits.notices.EmailChanged(ctx, v.acct)
	}
	pg.core.accountChangedTo(w, r, v, err, "account.email", "/account?done=email")
}

// accountLink starts an internal sign-in that ends by signing in with the
// credential to link.
func (pg accountPage) accountLink(w http.ResponseWriter, r *http.Request) {
	_, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	p := r.PathValue("provider")
	if _, known := pg.core.catalog().upstreams[p]; !known {
		pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
		return
	}
	pg.core.openAccount(w, r, accountIntent{linkProvider: p})
}

func (pg accountPage) accountUnlink(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	links, err := pg.st.ListLinks(ctx, v.acct.ID)
	if err != nil {
		pg.core.accountChangedTo(w, r, v, err, "", "")
		return
	}
	p := r.PathValue("provider")
	for _, l := range links {
		if l.Provider != p {
			continue
		}
		if len(links) < 2 {
			pg.renderAccount(w, r, v, "", []ui.FieldError{{Message: pg.ui.T(v.lang, "account.error.unlink.last")}})
			return
		}
		if r.PostFormValue("confirm") != "yes" {
			n := name(pg.core.catalog().upstreams[l.Provider].Name, v.lang, l.Provider)
			pg.core.pages.confirm(w, r, v, "account.unlink.", n, "/account/unlink/"+l.Provider, "/account")
			return
		}
		err := pg.st.DeleteLink(ctx, l.Provider, l.Subject)
		pg.core.accountChangedTo(w, r, v, err, "unlink", "/account?done=unlinked")
		return
	}
	pg.core.pages.errorPage(w, r, http.StatusNotFound, nil, errNotFound)
}

// signOutEverywhere ends every session of the account and revokes every
// grant (so every access and refresh token) issued to relying parties,
// and marks the account (SignedOutAt) so that a code already out for an
// earlier authentication gives nothing either.
func (pg accountPage) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	v, ok := pg.accountPost(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	// Written before the sessions and grants end, as a lock is: a code
	// already out finds it when redeemed (opStorage.lockWins), or was
	// redeemed before and its grant and session end here.
	err := pg.st.UpdateAccount(ctx, v.acct.ID, func(a store.Account) (store.Account, error) {
		a.SignedOutAt = pg.core.now()
		return a, nil
	})
	var sessions, grants int
	if err == nil {
		sessions, err = pg.st.DeleteSessionsByAccount(ctx, v.acct.ID)
	}
	if err == nil {
		grants, err = pg.st.RevokeGrantsByAccount(ctx, v.acct.ID)
	}
	if err != nil {
		pg.core.accountChangedTo(w, r, v, err, "", "")
		return
	}
	pg.core.sessions.setCookie(w, "session", "", -1)
	pg.core.audits.record(ctx, "signout.everywhere", v.acct.ID, "", "success",
		map[string]string{"sessions": strconv.Itoa(sessions), "grants": strconv.Itoa(grants)})
	http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
}

// accountChangedTo audits a successful change (kind "" audits nothing)
// and redirects to next.
func (b *Broker) accountChangedTo(w http.ResponseWriter, r *http.Request, v *accountView, err error, kind, next string) {
	if err != nil {
		b.log.ErrorContext(r.Context(), "account change", "kind", kind, "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
		return
	}
	if kind != "" {
		b.audits.record(r.Context(), kind, v.acct.ID, "", "success", nil)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

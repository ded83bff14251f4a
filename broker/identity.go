package broker

import (
	"context"
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// What happens when a credential (an upstream identity or a built-in
// service user) has been checked. Accounts are found by (provider,
// upstream subject) only: a credential seen for the first time is never
// joined to an account because an email address matches. The person
// chooses (Keycloak's first-broker-login flow): a new account, or a link
// to the account they already have, which they prove by signing in with
// one of its credentials and passing its second factor; the link is
// written only then.
//
//	GET  /login/{id}/first          the choice
//	POST /login/{id}/first/create   a new account
//	POST /login/{id}/first/link     sign in with an existing credential to link this one
//
// identities serves those pages, and takes every checked credential
// (identified) from the upstream callback, the password page and the
// built-in service's registration.
type identities struct {
	core *Broker
	st   store.Store
	ui   *ui.UI
}

func (ids identities) Mount(mux routes) {
	mux.HandleFunc("GET /login/{id}/first", ids.page)
	mux.HandleFunc("POST /login/{id}/first/create", ids.create)
	mux.HandleFunc("POST /login/{id}/first/link", ids.link)
}

func upstreamIdentity(pid string, id providers.Identity) *store.UpstreamIdentity {
	acr := id.ACR
	if acr == "" {
		acr = DefaultACR
	}
	return &store.UpstreamIdentity{Provider: pid, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified,
		GivenName: id.GivenName, FamilyName: id.FamilyName, Locale: id.Locale, ACR: acr, AMR: id.AMR, SessionIndex: id.SessionIndex}
}

// identified continues a sign-in once the credential of provider pid has
// named ident.
func (ids identities) identified(w http.ResponseWriter, r *http.Request, f *flow, pid string, ident providers.Identity) {
	b := ids.core
	ctx := r.Context()
	up := upstreamIdentity(pid, ident)
	// The account and its factors come with the link: the dispatcher
	// picks the first challenge from them (mfaPages.entry).
	l, acct, factors, err := ids.st.GetLinkWithAccount(ctx, pid, ident.Subject)
	known := l.AccountID != ""
	if !known && err != nil && !errors.Is(err, store.ErrNotFound) {
		b.log.ErrorContext(ctx, "find link", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	switch {
	case f.ar.LinkProvider != "" && f.ar.AccountID != "":
		ids.linkFromAccountPage(w, r, f, up, l, known)
	case known:
		if err == nil {
			acct, err = b.dormancy.SignedIn(ctx, acct)
		}
		if err != nil {
			b.log.ErrorContext(ctx, "account of link", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		f.factors, f.factorsOf = factors, acct.ID
		ids.signedInAs(w, r, f, acct, up)
	case f.ar.Linking:
		// The credential meant to prove an existing account has none.
		b.log.InfoContext(ctx, "linking: the credential used is not linked to any account", "provider", pid)
		b.pages.errorMsg(w, r, http.StatusConflict, &f.ar, "firstlogin.error.unknown")
	default:
		f.change(func(a *store.AuthRequest) { a.NewIdentity = up })
		if err := f.persist(ctx, b.st); err != nil {
			b.log.ErrorContext(ctx, "keep new identity", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		http.Redirect(w, r, f.stepURL("first"), http.StatusSeeOther)
	}
}

// signedInAs goes on as acct, authenticated by up. The SSO session this
// starts is created when the request completes.
func (ids identities) signedInAs(w http.ResponseWriter, r *http.Request, f *flow, acct store.Account, up *store.UpstreamIdentity) {
	b := ids.core
	b.log.InfoContext(r.Context(), "credential accepted", "provider", up.Provider, "account", acct.ID, "client_id", f.ar.ClientID)
	f.seen = &acct // as the sign-in's dormancy check just read or wrote it
	var refresh *store.UpstreamIdentity
	if b.catalog().upstreams[up.Provider].RefreshClaims {
		refresh = up
	}
	b.authenticated(w, r, f, store.Session{
		ID: randomID(), AccountID: acct.ID, Provider: up.Provider, AuthTime: b.now(), AMR: up.AMR, UpstreamACR: up.ACR,
		Upstream: &store.UpstreamSession{Subject: up.Subject, Index: up.SessionIndex},
	}, true, refresh)
}

func (ids identities) page(w http.ResponseWriter, r *http.Request) {
	b := ids.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok {
		return
	}
	if f.ar.NewIdentity == nil || f.ar.AccountID != "" {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return
	}
	name := name(b.catalog().upstreams[f.ar.NewIdentity.Provider].Name, f.lang, f.ar.NewIdentity.Provider)
	var link []ui.Choice
	if len(b.allowedUpstreams(f.client)) > 1 {
		link = []ui.Choice{{ID: "link", Name: ids.ui.T(f.lang, "firstlogin.link.choice"), Action: f.stepURL("first", "link")}}
	}
	ids.ui.Render(w, r, http.StatusOK, f.lang, ui.PageFirstLogin, &ui.FirstLoginData{Common: b.csrf(f), ProviderName: name,
		CreateAction: f.stepURL("first", "create"), Link: link, CancelURL: f.stepURL("cancel")})
}

// firstLoginCreate makes a new account for the new identity.
func (ids identities) create(w http.ResponseWriter, r *http.Request) {
	b := ids.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	up := f.ar.NewIdentity
	if up == nil || f.ar.AccountID != "" {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return
	}
	acct, err := ids.createAccount(r.Context(), up)
	if err != nil {
		b.log.ErrorContext(r.Context(), "create account", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	err = f.write(r.Context(), b.st, func(a *store.AuthRequest) {
		a.NewIdentity = nil
	})
	if err != nil {
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	ids.signedInAs(w, r, f, acct, up)
}

// createAccount creates an account (with a new URN) linked to up; a
// concurrent first sign-in of the same identity finds the same account.
// The account records which upstream gave its email, name and locale
// (none for the built-in service, whose values the person typed into
// Passerelle), so that userinfo releases them only as configured.
func (ids identities) createAccount(ctx context.Context, up *store.UpstreamIdentity) (store.Account, error) {
	b := ids.core
	for range 3 {
		if l, err := ids.st.GetLink(ctx, up.Provider, up.Subject); err == nil {
			return ids.st.GetAccount(ctx, l.AccountID)
		}
		now := b.now()
		a := store.Account{ID: randomID(), URN: NewURN(), Email: up.Email, EmailVerified: up.EmailVerified,
			GivenName: up.GivenName, FamilyName: up.FamilyName, Locale: up.Locale, CreatedAt: now, LastLoginAt: now}
		if !b.catalog().upstreams[up.Provider].FirstParty {
			a.EmailFrom = origin(up.Provider, a.Email)
			a.NameFrom = origin(up.Provider, a.GivenName+a.FamilyName)
			a.LocaleFrom = origin(up.Provider, a.Locale)
		}
		err := ids.st.CreateAccount(ctx, a, store.Link{Provider: up.Provider, Subject: up.Subject, AccountID: a.ID, CreatedAt: now})
		if err == nil {
			b.audits.record(ctx, "account.create", a.ID, "", "success", map[string]string{"provider": up.Provider})
			return a, nil
		}
		if !errors.Is(err, store.ErrAlreadyExists) {
			return a, err
		}
	}
	return store.Account{}, errors.New("could not create or find the account")
}

// origin is provider when it gave a value, else nothing.
func origin(provider, value string) string {
	if value == "" {
		return ""
	}
	return provider
}

// firstLoginLink: the person has an account already; they sign in with
// one of its credentials next (the chooser again, without the new one).
func (ids identities) link(w http.ResponseWriter, r *http.Request) {
	b := ids.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), true)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	if f.ar.NewIdentity == nil || f.ar.AccountID != "" {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return
	}
	err := f.write(r.Context(), b.st, func(a *store.AuthRequest) {
		a.Linking = true
	})
	if err != nil {
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
}

// finishLinking writes the link the person asked for, once the account's
// credential and second factor have been passed in this request.
func (b *Broker) finishLinking(ctx context.Context, f *flow) error {
	up := f.ar.NewIdentity
	err := b.st.CreateLink(ctx, store.Link{Provider: up.Provider, Subject: up.Subject, AccountID: f.ar.AccountID, CreatedAt: b.now()})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	b.audits.record(ctx, "link", f.ar.AccountID, f.ar.ClientID, "success", map[string]string{"provider": up.Provider})
	return f.write(ctx, b.st, func(a *store.AuthRequest) {
		a.NewIdentity, a.Linking = nil, false
		f.ar = *a
	})
}

// linkFromAccountPage links the credential just used to the signed-in
// account (the account page's "link another credential").
func (ids identities) linkFromAccountPage(w http.ResponseWriter, r *http.Request, f *flow, up *store.UpstreamIdentity, l store.Link, known bool) {
	b := ids.core
	ctx := r.Context()
	if known && l.AccountID != f.ar.AccountID {
		b.pages.errorMsg(w, r, http.StatusConflict, &f.ar, "firstlogin.error.linked")
		return
	}
	if !known {
		if err := ids.st.CreateLink(ctx, store.Link{Provider: up.Provider, Subject: up.Subject, AccountID: f.ar.AccountID, CreatedAt: b.now()}); err != nil {
			b.log.ErrorContext(ctx, "link credential", "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
		b.audits.record(ctx, "link", f.ar.AccountID, "", "success", map[string]string{"provider": up.Provider})
	}
	_ = ids.st.DeleteAuthRequest(ctx, f.ar.ID)
	http.Redirect(w, r, "/account?done=linked", http.StatusSeeOther)
}

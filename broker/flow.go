package broker

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// DefaultACR is the assurance of a sign-in whose upstream said nothing
// Passerelle's acr mapping knows: the lowest rung of the Government of
// Canada ladder.
const DefaultACR = "urn:gc-ca:cyber-auth:assurance:loa1"

// flow is one request's view of a sign-in in progress.
type flow struct {
	ar     store.AuthRequest
	client *client
	lang   string // the page language; "en" when langKnown is false
	// langKnown: ui_locales, the cookie or Accept-Language named a
	// language; otherwise a page asks first (the bilingual choice).
	langKnown bool
	browser   string
	// pending are changes already made to ar that the store has not seen
	// yet: the next write of the auth request (persist, or complete's own)
	// applies them first. Deferring them lets a step that ends in
	// completion write the request once.
	pending []func(*store.AuthRequest)
	// account is the account the stored request named when this step
	// read it (or last wrote it): every write checks it still does.
	account string
	// seen is that account's record as a store read or write of this
	// request left it (nil: none yet), so the dispatcher decides on it
	// instead of reading it again (flowAccount).
	seen *store.Account
	// factors are the factors of account factorsOf ("": none) as this
	// request read them with the account, so the dispatcher's choice of
	// the first challenge does not read them again (mfaPages.entry).
	factors   []store.Factor
	factorsOf string
	// entry: this request is the authorization request that stored the
	// sign-in (begin). A decision that shows a page of choices (the
	// language, the chooser) sends the browser to the dispatcher's
	// address instead, where a reload or a language switch stays on this
	// sign-in.
	entry bool
}

// flowAccount is the account of the request: the record this request
// already read or wrote (seen), else a read.
func (b *Broker) flowAccount(ctx context.Context, f *flow) (store.Account, error) {
	if f.seen != nil && f.seen.ID == f.ar.AccountID {
		return *f.seen, nil
	}
	a, err := b.st.GetAccount(ctx, f.ar.AccountID)
	if err == nil {
		f.seen = &a
	}
	return a, err
}

// change applies fn to the auth request now, and to the stored one at
// the next write.
func (f *flow) change(fn func(*store.AuthRequest)) {
	fn(&f.ar)
	f.pending = append(f.pending, fn)
}

// applyPending applies the pending changes to a, the stored request.
func (f *flow) applyPending(a *store.AuthRequest) {
	for _, fn := range f.pending {
		fn(a)
	}
}

// persist writes the pending changes.
func (f *flow) persist(ctx context.Context, st store.Store) error {
	if len(f.pending) == 0 {
		return nil
	}
	return f.write(ctx, st, nil)
}

// write applies the pending changes, then fn, to the stored auth
// request in one store update, only while it is what this step read: not
// finished (errAlreadyDone), and naming the same account, or none
// (errAccountChanged). Whatever a step checked (which credential may be
// used, which account's factor was answered) is then still true of the
// request it writes: two credentials racing on one request cannot put
// one account's factor under the other.
func (f *flow) write(ctx context.Context, st store.Store, fn func(*store.AuthRequest)) error {
	var account string
	err := st.UpdateAuthRequest(ctx, f.ar.ID, func(a store.AuthRequest) (store.AuthRequest, error) {
		if a.Done {
			// A racing step finished the request; nothing may change it now.
			return a, errAlreadyDone
		}
		if a.AccountID != f.account {
			return a, errAccountChanged
		}
		f.applyPending(&a)
		if fn != nil {
			fn(&a)
		}
		account = a.AccountID
		return a, nil
	})
	if err == nil {
		f.pending, f.account = nil, account
	}
	return err
}

var errAccountChanged = errors.New("a racing step changed the account of the sign-in")

// loadFlow finds the auth request, checks it belongs to this browser and
// settles the page language. When it returns false it has answered.
func (b *Broker) loadFlow(w http.ResponseWriter, r *http.Request, id string, needLang bool) (*flow, bool) {
	return b.loadFlowOf(w, r, id, b.sessions.cookie(r, "browser"), needLang)
}

// loadFlowOf is loadFlow for the browser binding browser.
func (b *Broker) loadFlowOf(w http.ResponseWriter, r *http.Request, id, browser string, needLang bool) (*flow, bool) {
	ar, err := b.st.GetAuthRequest(r.Context(), id)
	if err != nil {
		b.flowNotRead(w, r, err)
		return nil, false
	}
	return b.flowOf(w, r, ar, browser, needLang)
}

// flowNotRead answers a failed read of a sign-in's auth request.
func (b *Broker) flowNotRead(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, store.ErrNotFound) {
		b.log.ErrorContext(r.Context(), "read auth request", "error", err)
		b.pages.errorPage(w, r, http.StatusServiceUnavailable, nil, errGeneric)
		return
	}
	// Swept, or never there: a finished sign-in's address revisited
	// lands here too once the request is gone.
	b.pages.errorLinks(w, r, http.StatusNotFound, nil, errEnded, b.pages.homeLinks)
}

// flowOf is loadFlowOf for the auth request ar, already read (or just
// created).
func (b *Broker) flowOf(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, browser string, needLang bool) (*flow, bool) {
	var err error
	f := &flow{ar: ar, browser: browser, account: ar.AccountID}
	if !sameBrowser(&ar, f.browser) {
		b.log.WarnContext(r.Context(), "sign-in step from another browser", "auth_request", ar.ID)
		b.pages.errorPage(w, r, http.StatusForbidden, &ar, errState)
		return nil, false
	}
	if ar.ClientID == accountClientID {
		f.client = b.accountClient()
	} else if f.client, err = b.catalog().clients.get(r.Context(), ar.ClientID); err != nil {
		b.log.ErrorContext(r.Context(), "client of auth request", "client_id", ar.ClientID, "error", err)
		b.pages.errorPage(w, r, http.StatusBadRequest, &ar, errUntrustedRedirect)
		return nil, false
	}
	f.lang, f.langKnown = b.ui.Language(r, ar.UILocales)
	if !f.langKnown && needLang {
		b.askLanguage(w, r)
		return nil, false
	}
	if !f.langKnown {
		f.lang = "en"
	}
	return f, true
}

// askLanguage shows the bilingual language choice, which comes back to
// this URL.
func (b *Broker) askLanguage(w http.ResponseWriter, r *http.Request) {
	b.ui.Render(w, r, http.StatusOK, "en", ui.PageLanguage, &ui.LanguageData{Next: r.URL.RequestURI()})
}

// stepURL is the address of a step of this sign-in (the dispatcher's
// when parts is empty).
func (f *flow) stepURL(parts ...string) string {
	p := "/login/" + url.PathEscape(f.ar.ID)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// login is the dispatcher's route: every step returns here, and
// journey.Next decides what follows from the persisted auth request.
func (b *Broker) login(w http.ResponseWriter, r *http.Request) {
	if f, ok := b.loadFlow(w, r, r.PathValue("id"), false); ok {
		b.dispatch(w, r, f)
	}
}

// begin answers the authorization request that stored the sign-in ar
// with the dispatcher's first decision, sparing the browser a round trip
// to the dispatcher's address (/login/{id}): usually the upstream, or
// the relying party when an SSO session serves the request. It starts
// from ar as stored, without reading it back. browser is the binding
// /authorize read or just set (then only in the answer's cookie).
func (b *Broker) begin(w http.ResponseWriter, r *http.Request, ar store.AuthRequest, browser string) {
	if f, ok := b.flowOf(w, r, ar, browser, false); ok {
		f.entry = true
		b.dispatch(w, r, f)
	}
}

// atDispatcher sends a flow begun at /authorize to the dispatcher's
// address before a page of choices, and reports whether it did.
func (b *Broker) atDispatcher(w http.ResponseWriter, r *http.Request, f *flow) bool {
	if f.entry {
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
	}
	return f.entry
}

// identify is the chain's first step: the browser's SSO session if it
// serves this request, else a credential (the provider hinted, the only
// one the client allows, or the chooser).
func (b *Broker) identify(w http.ResponseWriter, r *http.Request, f *flow) {
	ctx := r.Context()
	if s, ok := b.usableSession(ctx, r, &f.ar, f.client); ok {
		b.authenticated(w, r, f, s, false, nil)
		return
	}
	if slices.Contains(f.ar.Prompt, "none") {
		b.answer.sendError(w, r, f, "login_required", "the person must sign in")
		return
	}
	if !f.langKnown {
		if !b.atDispatcher(w, r, f) {
			b.askLanguage(w, r)
		}
		return
	}
	allowed := b.flowUpstreams(f)
	if len(allowed) == 0 {
		b.log.ErrorContext(ctx, "client allows no configured provider", "client_id", f.client.ID)
		b.pages.errorPage(w, r, http.StatusInternalServerError, &f.ar, errGeneric)
		return
	}
	if h := f.ar.ProviderHint; h != "" && slices.Contains(allowed, h) {
		b.signIn.start(w, r, f, h)
		return
	}
	if len(allowed) == 1 {
		b.signIn.start(w, r, f, allowed[0])
		return
	}
	if !b.atDispatcher(w, r, f) {
		b.signIn.chooser(w, r, f, allowed)
	}
}

// flowUpstreams are the credentials a sign-in may use: the client's,
// without the one being linked when the person is linking it.
func (b *Broker) flowUpstreams(f *flow) []string {
	all := b.allowedUpstreams(f.client)
	if !f.ar.Linking || f.ar.NewIdentity == nil {
		return all
	}
	return slices.DeleteFunc(all, func(id string) bool { return id == f.ar.NewIdentity.Provider })
}

func (b *Broker) allowedUpstreams(c *client) []string {
	var out []string
	for _, id := range b.catalog().order {
		if c.allows(id) {
			out = append(out, id)
		}
	}
	return out
}

// csrf is the Common of a step's page: its forms carry the CSRF token
// bound to the auth request and the browser.
func (b *Broker) csrf(f *flow) ui.Common {
	return ui.Common{CSRF: b.secrets.csrfToken(f.ar.ID, f.browser), Limit: b.timeLimit(f)}
}

// checkForm verifies the CSRF token of a step's form.
func (b *Broker) checkForm(w http.ResponseWriter, r *http.Request, f *flow) bool {
	if !b.secrets.checkCSRF(f.ar.ID, f.browser, r.PostFormValue("csrf")) {
		b.log.WarnContext(r.Context(), "form with a missing or wrong CSRF token", "auth_request", f.ar.ID)
		b.pages.errorPage(w, r, http.StatusForbidden, &f.ar, errCSRF)
		return false
	}
	return true
}

// legAllowed: a credential may be used in this request only until it has
// named the account (then the second factor and completion follow, and a
// second credential could otherwise swap the account under them), except
// for the one the account page asked to link, and that one only once the
// account's own factor has passed the completion gate in this request.
func (b *Broker) legAllowed(f *flow, provider string) bool {
	if f.ar.Done {
		return false
	}
	if f.ar.AccountID == "" {
		return true
	}
	_, passed := b.passed(f)
	return f.ar.LinkProvider == provider && passed
}

// authenticated records on the auth request who the person is and how the
// session authenticated them (written with the next step's write), then
// continues with the second factor. fresh: s is a session to create at
// completion, not the browser's current one, whose verified factors the
// request may reuse (the completion gate decides when). refresh: the
// claims the credential's upstream gave, to write over the account's once
// the gate has passed (nil when the upstream does not refresh them).
func (b *Broker) authenticated(w http.ResponseWriter, r *http.Request, f *flow, s store.Session, fresh bool, refresh *store.UpstreamIdentity) {
	f.change(func(a *store.AuthRequest) {
		if a.AccountID != s.AccountID {
			// Nothing done before the account was named, or for another
			// account (the built-in service's codes included), carries over.
			a.MFA = store.MFAProgress{}
			a.PendingOTP, a.PendingEmail, a.FactorState = "", "", nil
			if a.AccountID != "" {
				a.AddKind = "" // the account page's intent was another account's
			}
		}
		a.AccountID, a.SessionID, a.AuthTime, a.Provider = s.AccountID, s.ID, s.AuthTime, s.Provider
		a.AMR, a.UpstreamACR, a.NewSession, a.Upstream = s.AMR, s.UpstreamACR, fresh, s.Upstream
		a.RefreshIdentity = refresh
		a.MFA.Session = nil
		if !fresh {
			a.MFA.Session = s.Factors
		}
	})
	b.dispatch(w, r, f)
}

package broker

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// Upstream is one configured upstream credential service as the broker
// sees it: an ID, bilingual names, an optional chooser group, the claims
// it may pass on to relying parties, and the provider that speaks its
// protocol (a providers.CallbackProvider or providers.PasswordProvider,
// perhaps a providers.RouteProvider too).
type Upstream struct {
	ID    string
	Name  map[string]string
	Group string
	// Description (by language) and Logo (a path under /static/) show the
	// upstream's choice on the chooser; both optional.
	Description map[string]string
	Logo        string
	// ReleaseClaims are the claims of this upstream (providers.ClaimEmail,
	// ClaimName, ClaimLocale) that may reach a relying party whose
	// configuration asks for them too; none when empty.
	ReleaseClaims []string
	// RefreshClaims: the email and name this upstream gives replace the
	// account's at each sign-in (claims.go).
	RefreshClaims bool
	Provider      providers.Provider
	// FirstParty: Passerelle runs this service itself (the built-in
	// GCKey-like one): what its identities say was typed into Passerelle,
	// not given by an upstream, and its password page is /login/{id}/local.
	// At most one upstream is first-party.
	FirstParty bool
}

// signIn serves the identify step's pages: the chooser and a provider
// group's list (chooser.go), cancel, and the upstream legs: out to a
// provider (CallbackProvider.LoginURL, or a PasswordProvider's page) and
// back to /callback/{provider}, by GET or POST. A provider's own routes
// (RouteProvider) are served under /providers/{provider}/.
//
//	POST     /login/{id}/choose/{choice}   a provider, or a group
//	GET      /login/{id}/group/{group}     the group's providers
//	GET      /login/{id}/cancel            access_denied to the client
//	GET/POST /callback/{provider}          the upstream's answer
//	any      /providers/{provider}/...     the provider's own routes
type signIn struct {
	core    *Broker
	ui      *ui.UI
	log     *slog.Logger
	secrets secrets
	ids     identities
}

func (s signIn) Mount(mux routes) {
	mux.HandleFunc("POST /login/{id}/choose/{choice}", s.choose)
	mux.HandleFunc("GET /login/{id}/group/{group}", s.groupPage)
	mux.HandleFunc("GET /login/{id}/cancel", s.cancel)
	// An upstream's answer (a form_post, a SAML response) is a protocol
	// message.
	mux.withBody(protocolBody).HandleFunc("GET /callback/{provider}", s.callback)
	mux.withBody(callbackBody).HandleFunc("POST /callback/{provider}", s.callback)
	// Anyone may ask; each source is throttled.
	mux.withBody(protocolBody).throttled().HandleFunc("/providers/{provider}/{rest...}", s.providerRoute)
}

func (s signIn) choose(w http.ResponseWriter, r *http.Request) {
	b := s.core
	f, ok := b.loadFlow(w, r, r.PathValue("id"), false)
	if !ok || !b.checkForm(w, r, f) {
		return
	}
	choice := r.PathValue("choice")
	allowed, ups := b.flowUpstreams(f), b.catalog().upstreams
	for _, id := range allowed {
		if ups[id].Group == choice {
			http.Redirect(w, r, f.stepURL("group", choice), http.StatusSeeOther)
			return
		}
	}
	if !slices.Contains(allowed, choice) {
		b.pages.errorPage(w, r, http.StatusBadRequest, &f.ar, errInvalidRequest)
		return
	}
	s.start(w, r, f, choice)
}

// cancel ends the sign-in with access_denied. It is a plain link: the
// browser binding is all the protection a person's own cancel needs.
func (s signIn) cancel(w http.ResponseWriter, r *http.Request) {
	f, ok := s.core.loadFlow(w, r, r.PathValue("id"), false)
	if !ok {
		return
	}
	s.core.answer.sendError(w, r, f, "access_denied", "the person cancelled the sign-in")
}

// start sends the browser to the credential id: a password provider's
// page, or the upstream with the leg's state, nonce and PKCE verifier
// (derived, so nothing is written unless the provider keeps something).
// Nothing of the relying party is passed on: the provider gets
// Passerelle's callback URL, the language, and whether to force a new
// authentication.
func (s signIn) start(w http.ResponseWriter, r *http.Request, f *flow, id string) {
	b := s.core
	ctx := r.Context()
	if !b.legAllowed(f, id) {
		// The person is already authenticated in this request: the
		// dispatcher goes on from there.
		http.Redirect(w, r, f.stepURL(), http.StatusSeeOther)
		return
	}
	up := b.catalog().upstreams[id]
	cp, ok := up.Provider.(providers.CallbackProvider)
	if !ok {
		if _, ok := up.Provider.(providers.PasswordProvider); ok {
			http.Redirect(w, r, passwordURL(f, up), http.StatusSeeOther)
			return
		}
		b.log.ErrorContext(ctx, "provider offers no way to sign in", "provider", id)
		b.pages.errorPage(w, r, http.StatusInternalServerError, &f.ar, errGeneric)
		return
	}
	opts := providers.LoginOptions{Locale: f.lang, ACR: b.upstreamDemand(f, id),
		ForceLogin: slices.Contains(f.ar.Prompt, "login") || f.ar.MaxAge != nil}
	to, kept, err := cp.LoginURL(ctx, s.leg(&f.ar, id), opts)
	if err == nil && len(kept) > providers.MaxKept {
		err = errors.New("the provider keeps more than providers.MaxKept bytes for a leg")
	}
	if err != nil {
		b.log.ErrorContext(ctx, "upstream login URL", "provider", id, "error", err)
		b.pages.errorPage(w, r, http.StatusBadGateway, &f.ar, errUpstream)
		return
	}
	if kept != nil {
		err := f.write(ctx, b.st, func(a *store.AuthRequest) {
			if a.Legs == nil {
				a.Legs = map[string][]byte{}
			}
			a.Legs[id] = kept
		})
		if err != nil {
			b.log.ErrorContext(ctx, "keep the upstream leg", "provider", id, "error", err)
			b.pages.errorPage(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
			return
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// leg is the upstream leg of the auth request ar at provider id.
func (s signIn) leg(ar *store.AuthRequest, id string) providers.Leg {
	l := s.secrets.upstreamLeg(ar.ID, id)
	l.CallbackURL = providerURLs(s.core.issuer, id).Callback
	l.Kept = ar.Legs[id]
	return l
}

// callback receives the upstream's answer. The provider reads the state
// it carries; the state names the auth request, and must be the one
// derived for this request and the provider it comes back from, arrive in
// the same browser, and come while the request may still use a credential
// (legAllowed): a replay after the account is known is refused here, one
// before it by the upstream, whose answer is good once.
func (s signIn) callback(w http.ResponseWriter, r *http.Request) {
	b := s.core
	ctx := r.Context()
	pid := r.PathValue("provider")
	cp, ok := b.catalog().upstreams[pid].Provider.(providers.CallbackProvider)
	if !ok {
		b.log.WarnContext(ctx, "callback for no redirect-based provider", "provider", pid)
		b.pages.errorPage(w, r, http.StatusBadRequest, nil, errState)
		return
	}
	if s.repost(w, r) {
		return
	}
	state := cp.CallbackState(r)
	f, ok := b.loadFlow(w, r, legRequest(state), false)
	if !ok {
		return
	}
	leg := s.leg(&f.ar, pid)
	if !b.legAllowed(f, pid) || subtle.ConstantTimeCompare([]byte(leg.State), []byte(state)) != 1 {
		b.log.WarnContext(ctx, "upstream callback does not match the sign-in", "provider", pid, "auth_request", f.ar.ID)
		b.pages.errorPage(w, r, http.StatusBadRequest, &f.ar, errState)
		return
	}
	ident, err := cp.HandleCallback(r, leg)
	if errors.Is(err, providers.ErrBelowLevel) {
		b.belowDemand(w, r, f, pid, "")
		return
	}
	if err != nil {
		b.log.WarnContext(ctx, "upstream sign-in failed", "provider", pid, "error", err)
		kind := errUpstream
		switch {
		case errors.Is(err, providers.ErrDenied):
			kind = errUpstreamDenied
		case errors.Is(err, providers.ErrState):
			kind = errState
		}
		b.pages.errorPage(w, r, http.StatusBadGateway, &f.ar, kind)
		return
	}
	if demand := b.upstreamDemand(f, pid); !meetsDemand(demand, upstreamIdentity(pid, ident)) {
		b.belowDemand(w, r, f, pid, ident.ACR)
		return
	}
	s.ids.identified(w, r, f, pid, ident)
}

// repostField marks a callback posted again by repost.
const repostField = "passerelle_repost"

// repost handles an upstream's answer posted across sites (the SAML POST
// binding, OIDC form_post): the browser sends no SameSite=Lax cookie with
// it, so the browser binding cannot be checked. The answer is shown back
// as a form that posts the same fields to the same URL, now from
// Passerelle's own origin, which carries the cookies; like the form_post
// page it has no script, so the person presses Continue once. It answers
// (true) only for such a POST, once: the second post goes on with or
// without the cookie, and the browser binding decides.
func (s signIn) repost(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || s.core.sessions.cookie(r, "browser") != "" {
		return false
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Has(repostField) {
		return false
	}
	fields := []ui.Field{{Name: repostField, Value: "1"}}
	for _, k := range slices.Sorted(maps.Keys(r.PostForm)) {
		for _, v := range r.PostForm[k] {
			fields = append(fields, ui.Field{Name: k, Value: v})
		}
	}
	s.ui.Render(w, r, http.StatusOK, s.core.pages.lang(r, nil), ui.PageFormPost,
		&ui.FormPostData{Action: r.URL.RequestURI(), Fields: fields})
	return true
}

// providerRoute serves a provider's own routes (RouteProvider) from the
// catalog in force, so a reload that changes providers changes them too.
func (s signIn) providerRoute(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("provider")
	h := s.core.catalog().routes[id]
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

// providerURLs are the absolute URLs of provider id at Passerelle.
func providerURLs(issuer, id string) providers.URLs {
	return providers.URLs{Base: issuer + "/providers/" + url.PathEscape(id) + "/",
		Callback: issuer + "/callback/" + url.PathEscape(id)}
}

package broker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"

	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// Single logout with upstreams (SAML Single Logout; providers.LogoutProvider).
// The broker keeps, on each session, the upstream sign-in that started
// it (store.Session.Upstream: the subject and the upstream's SessionIndex).
//
//   - Logout at Passerelle (/end_session, logout.go): once the browser's
//     session has ended and its clients are told, startUpstreamLogout
//     sends the browser to the upstream with a relay state that binds the
//     way back to this browser and to where the relying party asked to
//     go; upstreamLogoutDone takes the upstream's checked answer at the
//     provider's route and finishes the logout (finishLogout).
//   - Logout at the upstream: endUpstreamSessions ends exactly the
//     sessions that sign-in started (its subject, and one of the
//     SessionIndexes named, or every one of that subject when none is).

// upstreamReplay is implemented by a provider that marks one-time IDs
// (SAML assertion IDs) in the broker's store, so every replica refuses an
// answer any of them has consumed: the broker gives it the store's Hit.
type upstreamReplay interface {
	SetReplayStore(providers.Hits)
}

// logoutHost is what a LogoutProvider of provider calls back.
func (b *Broker) logoutHost(provider string) providers.LogoutHost {
	return providers.LogoutHost{
		EndSessions: b.endUpstreamSessions(provider),
		LogoutDone:  b.upstreamLogoutDone(provider),
		ErrorPage:   b.providerErrorPage,
	}
}

// logoutCookie keeps, for the upstream's answer, the rest of the logout
// (logoutRest, sealed; where the relying party asked to go is at most
// maxLogoutNext bytes), for logoutCookieAge seconds.
const (
	logoutCookie    = "logout"
	logoutCookieAge = 600
	maxLogoutNext   = 2048
)

// logoutRelay binds an upstream logout to the provider, where to go next
// and the browser: the relay state is an HMAC of them (43 characters, in
// SAML's 80-byte RelayState), so an answer arriving in another browser,
// or with the destination changed, is refused.
func (b *Broker) logoutRelay(provider, next, browser string) string {
	return b.secrets.csrfToken("upstream-logout\x00"+provider+"\x00"+next, browser)
}

// startUpstreamLogout sends the browser to the upstream's logout when
// the ended session s came from a LogoutProvider, with a relay state
// that binds the way back to this browser and to where the relying party
// asked to go, and the rest of the logout in a sealed cookie. It returns
// where to send the browser, "" when the upstream takes no part or its
// logout could not start (logged): the person's Passerelle session is
// over either way.
func (b *Broker) startUpstreamLogout(ctx context.Context, w http.ResponseWriter, r *http.Request, s store.Session, rest logoutRest) string {
	if s.Upstream == nil || len(rest.Next) > maxLogoutNext {
		return ""
	}
	lp, ok := b.catalog().upstreams[s.Provider].Provider.(providers.LogoutProvider)
	if !ok {
		return ""
	}
	cookie, err := b.sealLogoutRest(rest)
	if err != nil {
		b.log.ErrorContext(ctx, "seal the rest of a logout", "error", err)
		return ""
	}
	relay := b.logoutRelay(s.Provider, rest.Next, b.sessions.browserID(w, r))
	to, err := lp.StartLogout(ctx, s.Upstream.Subject, s.Upstream.Index, relay)
	if err != nil {
		b.log.WarnContext(ctx, "upstream logout not started", "provider", s.Provider, "error", err)
	}
	if to == "" {
		return ""
	}
	b.sessions.setCookie(w, logoutCookie, cookie, logoutCookieAge)
	b.log.InfoContext(ctx, "upstream logout started", "provider", s.Provider, "account", s.AccountID)
	return to
}

// upstreamLogoutDone goes on with a logout leaveSession started once the
// upstream has answered at provider's route: to where the relying party
// asked, when the answer is for this browser and destination. An answer
// the provider refused, or that is not this browser's, gets the page.
// An upstream that could not end every session (ErrDenied) is logged,
// and the person goes on: Passerelle's session is over.
func (b *Broker) upstreamLogoutDone(provider string) func(http.ResponseWriter, *http.Request, string, error) {
	return func(w http.ResponseWriter, r *http.Request, relay string, err error) {
		ctx := r.Context()
		rest, opened := b.openLogoutRest(b.sessions.cookie(r, logoutCookie))
		b.sessions.setCookie(w, logoutCookie, "", -1)
		browser := b.sessions.cookie(r, "browser")
		switch {
		case !opened || browser == "" || !b.secrets.checkCSRF("upstream-logout\x00"+provider+"\x00"+rest.Next, browser, relay):
			b.log.WarnContext(ctx, "upstream logout answer is not for this browser's logout", "provider", provider)
			b.pages.errorPage(w, r, http.StatusBadRequest, nil, errState)
			return
		case errors.Is(err, providers.ErrDenied):
			b.log.WarnContext(ctx, "upstream could not end every session", "provider", provider, "error", err)
		case err != nil:
			// The provider logged the refusal's detail.
			b.pages.errorPage(w, r, http.StatusBadRequest, nil, errUpstreamMessage)
			return
		default:
			b.log.InfoContext(ctx, "upstream logout complete", "provider", provider)
		}
		b.finishLogout(w, r, rest)
	}
}

// providerErrorPage is the page for a request to a provider's own routes
// that it refused (it logged why).
func (b *Broker) providerErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	kind := errUpstreamMessage
	if errors.Is(err, providers.ErrState) {
		kind = errState
	}
	b.pages.errorPage(w, r, http.StatusBadRequest, nil, kind)
}

// endUpstreamSessions ends the Passerelle sessions that subject's
// sign-ins at provider started: those whose upstream SessionIndex is one
// of sessionIndexes, or all of that subject's when none is named
// (saml-core §3.7.1). Sessions of the same account started by another
// credential, or by another sign-in at this one, go on. A subject linked
// to no account has nothing to end.
func (b *Broker) endUpstreamSessions(provider string) func(context.Context, string, []string) error {
	return func(ctx context.Context, subject string, sessionIndexes []string) error {
		l, err := b.st.GetLink(ctx, provider, subject)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		sessions, err := b.st.ListSessions(ctx, l.AccountID)
		if err != nil {
			return err
		}
		n := 0
		for _, s := range sessions {
			up := s.Upstream
			if s.Provider != provider || up == nil || up.Subject != subject ||
				(len(sessionIndexes) > 0 && !slices.Contains(sessionIndexes, up.Index)) {
				continue
			}
			if err := b.st.DeleteSession(ctx, s.Hash); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // ended meanwhile, by whoever tells its clients
				}
				return err
			}
			b.tellClients(ctx, s) // back-channel only: no browser of the person's is here
			n++
		}
		b.log.InfoContext(ctx, "upstream logout ended the sessions of its sign-in",
			slog.String("provider", provider), slog.String("account", l.AccountID), slog.Int("sessions", n))
		return nil
	}
}

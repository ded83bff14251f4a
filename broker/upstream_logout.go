package broker

import (
	"context"
	"errors"
	"log/slog"

	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// upstreamLogout is implemented by a provider whose upstream can sign a
// person out of Passerelle (SAML Single Logout started at the IdP): the
// broker gives it the function that ends that person's sessions.
type upstreamLogout interface {
	SetEndSessions(func(ctx context.Context, subject string, sessionIndexes []string) error)
}

// upstreamReplay is implemented by a provider that marks one-time IDs
// (SAML assertion IDs) in the broker's store, so every replica refuses an
// answer any of them has consumed: the broker gives it the store's Hit.
type upstreamReplay interface {
	SetReplayStore(providers.Hits)
}

// endUpstreamSessions ends every Passerelle session of the account linked
// to subject at provider: an upstream logout ends the SSO that upstream
// sign-in started, and Passerelle does not track which of the account's
// sessions came from which upstream session, so it ends them all (the
// safe side). A subject linked to no account has nothing to end.
func (b *Broker) endUpstreamSessions(provider string) func(context.Context, string, []string) error {
	return func(ctx context.Context, subject string, _ []string) error {
		l, err := b.st.GetLink(ctx, provider, subject)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := b.st.DeleteSessionsByAccount(ctx, l.AccountID)
		if err != nil {
			return err
		}
		b.log.InfoContext(ctx, "upstream logout ended the account's sessions",
			slog.String("provider", provider), slog.String("account", l.AccountID), slog.Int("sessions", n))
		return nil
	}
}

// upstreamLogoutURL is where to send the browser so that the upstream
// that signed the person in ends its session too (Passerelle-initiated
// logout, providers.LogoutProvider); it sends the browser back to
// /logged-out. "" when the upstream offers none, or cannot be reached:
// the logout at Passerelle goes on without it.
func (b *Broker) upstreamLogoutURL(ctx context.Context, provider string) string {
	u, ok := b.catalog().upstreams[provider]
	if !ok {
		return ""
	}
	lp, ok := u.Provider.(providers.LogoutProvider)
	if !ok {
		return ""
	}
	to, err := lp.LogoutURL(ctx, b.issuerURL("/logged-out"))
	if err != nil {
		b.log.WarnContext(ctx, "upstream logout unavailable; signed out of Passerelle only", "provider", provider, "error", err)
		return ""
	}
	return to
}

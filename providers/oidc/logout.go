package oidc

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
)

// logoutState is what the broker gives the provider for logout: the
// callbacks (SetLogoutHost) and the provider's own URLs (Handler).
type logoutState struct {
	host atomic.Pointer[providers.LogoutHost]
	back atomic.Pointer[string] // urls.Base + "logged-out"
}

// SetLogoutHost keeps what the upstream's answer to a logout calls back.
func (p *Provider) SetLogoutHost(h providers.LogoutHost) { p.logout.host.Store(&h) }

// Handler serves the provider's route, under urls.Base:
//
//	GET urls.Base+"logged-out"  the upstream's answer to RP-initiated logout
//
// Register that URL at the upstream as a post-logout redirect URI.
func (p *Provider) Handler(urls providers.URLs) http.Handler {
	back := urls.Base + "logged-out"
	p.logout.back.Store(&back)
	mux := http.NewServeMux()
	base, err := url.Parse(urls.Base)
	if err != nil {
		p.logger.Error("provider routes", "error", err)
		return mux
	}
	mux.HandleFunc("GET "+base.EscapedPath()+"logged-out", p.loggedOut)
	return mux
}

// StartLogout returns the upstream's end_session_endpoint with client_id,
// post_logout_redirect_uri (the provider's logged-out route) and
// relayState as state (RP-Initiated Logout 1.0 §2; Passerelle keeps no
// upstream ID token to send as id_token_hint, and the upstream's
// session needs no naming), or "" when the provider is not configured
// for logout. An upstream configured for logout without an
// end_session_endpoint is an error.
func (p *Provider) StartLogout(ctx context.Context, _, _, relayState string) (string, error) {
	back := p.logout.back.Load()
	if !p.cfg.Logout || back == nil {
		return "", nil
	}
	up, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(up.endSession)
	if err != nil || up.endSession == "" || (u.Scheme != "https" && !(u.Scheme == "http" && validate.IsLoopback(u.Hostname()))) {
		return "", fmt.Errorf("%w: provider %s: logout is configured but the upstream has no usable end_session_endpoint (%q)",
			providers.ErrUpstream, p.id, up.endSession)
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", *back)
	q.Set("state", relayState)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// loggedOut is the upstream's answer: RP-Initiated Logout says no more
// than that the browser came back, with the state, which the broker
// checks (LogoutHost.LogoutDone).
func (p *Provider) loggedOut(w http.ResponseWriter, r *http.Request) {
	h := p.logout.host.Load()
	if h == nil || h.LogoutDone == nil {
		http.Error(w, "logout is not configured", http.StatusNotFound)
		return
	}
	h.LogoutDone(w, r, r.URL.Query().Get("state"), nil)
}

package saml

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/passerelle/passerelle/providers"
)

var (
	_ providers.CallbackProvider = (*Provider)(nil)
	_ providers.RouteProvider    = (*Provider)(nil)
)

// Handler serves the provider's own routes under urls.Base (RouteProvider),
// and records urls: the ACS is urls.Callback, where the broker calls
// CallbackState and HandleCallback.
//
//	GET urls.Base+"metadata"  the SP metadata (ServeMetadata)
//	GET urls.Base+"slo"       Single Logout from the IdP (HTTP-Redirect)
func (p *Provider) Handler(urls providers.URLs) http.Handler {
	mux := http.NewServeMux()
	if err := p.setURLs(urls); err != nil {
		p.logger.Error("provider routes", "error", err)
		return mux
	}
	base, _ := url.Parse(urls.Base)
	prefix := base.EscapedPath()
	mux.HandleFunc("GET "+prefix+"metadata", p.ServeMetadata)
	mux.HandleFunc("GET "+prefix+"slo", p.serveSLO)
	return mux
}

// CallbackState is the RelayState of the HTTP-POST Response ("" for any
// other method).
func (p *Provider) CallbackState(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(nil, r.Body, maxFormSize)
		if err := r.ParseForm(); err != nil {
			return ""
		}
	}
	return r.PostForm.Get("RelayState")
}

// serveSLO is the SLO endpoint (HTTP-Redirect) for both directions: an
// IdP's LogoutRequest (serveLogoutRequest), or the LogoutResponse to a
// logout the broker started (StartLogout), which goes to
// LogoutHost.LogoutDone with its relay state once checked. Anything else
// gets the person's page; the detail goes to the log.
func (p *Provider) serveSLO(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	switch {
	case q.Get("SAMLRequest") != "":
		p.serveLogoutRequest(w, r)
	case q.Get("SAMLResponse") != "":
		relay := q.Get("RelayState")
		err := p.HandleLogoutResponse(ctx, r, logoutRequestID(relay))
		if err != nil {
			p.logger.WarnContext(ctx, "SLO: LogoutResponse refused", "error", err)
		}
		host := p.host.Load()
		if host == nil || host.LogoutDone == nil {
			p.errorPage(w, r, fmt.Errorf("%w: provider %s: a LogoutResponse, but no logout was started", providers.ErrState, p.id))
			return
		}
		host.LogoutDone(w, r, relay, err)
	default:
		p.errorPage(w, r, fmt.Errorf("%w: provider %s: SLO without SAMLRequest or SAMLResponse", providers.ErrState, p.id))
	}
}

// serveLogoutRequest answers the IdP's LogoutRequest (IdP-initiated
// Single Logout): checked, the sessions its sign-in started ended through
// LogoutHost.EndSessions, and answered with a signed LogoutResponse —
// PartialLogout when Passerelle's own sessions could not be ended (or the
// broker gave no host).
func (p *Provider) serveLogoutRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, err := p.HandleLogoutRequest(ctx, r)
	if err != nil {
		p.logger.WarnContext(ctx, "SLO: LogoutRequest refused", "error", err)
		p.errorPage(w, r, err)
		return
	}
	ended := false
	if host := p.host.Load(); host != nil && host.EndSessions != nil {
		if err := host.EndSessions(ctx, req.NameID.Subject(), req.SessionIndexes); err != nil {
			p.logger.ErrorContext(ctx, "SLO: ending sessions", "error", err)
		} else {
			ended = true
		}
	}
	to, err := p.LogoutResponseURL(ctx, req.ID, req.RelayState, ended)
	if err != nil {
		p.logger.ErrorContext(ctx, "SLO: LogoutResponse", "error", err)
		p.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// errorPage answers a refused request to the provider's routes with the
// broker's page for err (LogoutHost.ErrorPage), or, before the broker
// gave one, a plain status: never the detail, which the caller logged.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	if host := p.host.Load(); host != nil && host.ErrorPage != nil {
		host.ErrorPage(w, r, err)
		return
	}
	http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
}

// SetLogoutHost is how the broker gives what single logout calls back
// (providers.LogoutProvider).
func (p *Provider) SetLogoutHost(h providers.LogoutHost) {
	p.host.Store(&h)
}

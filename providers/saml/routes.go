package saml

import (
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

// serveSLO answers the IdP's LogoutRequest (IdP-initiated Single
// Logout): checked, the person's Passerelle sessions ended through
// Options.EndSessions, and answered with a signed LogoutResponse —
// PartialLogout when Passerelle's own sessions could not be ended (or no
// EndSessions is given). A LogoutResponse arriving here answers a
// Passerelle-initiated logout, which the broker does not start yet: it is
// refused.
func (p *Provider) serveSLO(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.URL.Query().Get("SAMLRequest") == "" {
		p.logger.WarnContext(ctx, "SLO: not a LogoutRequest (Passerelle starts no upstream logout yet)")
		http.Error(w, "not a LogoutRequest", http.StatusBadRequest)
		return
	}
	req, err := p.HandleLogoutRequest(ctx, r)
	if err != nil {
		p.logger.WarnContext(ctx, "SLO: LogoutRequest refused", "error", err)
		http.Error(w, "invalid LogoutRequest", http.StatusBadRequest)
		return
	}
	ended := false
	if end := p.endSessions.Load(); end != nil {
		if err := (*end)(ctx, req.NameID.Subject(), req.SessionIndexes); err != nil {
			p.logger.ErrorContext(ctx, "SLO: ending sessions", "error", err)
		} else {
			ended = true
		}
	}
	to, err := p.LogoutResponseURL(ctx, req.ID, req.RelayState, ended)
	if err != nil {
		p.logger.ErrorContext(ctx, "SLO: LogoutResponse", "error", err)
		http.Error(w, "logout failed", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

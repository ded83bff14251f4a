package broker

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// clientAnswer answers the authorization request at the client's
// redirect URI (OIDC Core §3.1.2.5, §3.1.2.6): the code when the sign-in
// completes, an OAuth error when it cannot, an error of /authorize
// itself. The URI was checked at /authorize.
type clientAnswer struct {
	st     store.Store
	ui     *ui.UI
	issuer string
	log    *slog.Logger
	page   func(w http.ResponseWriter, r *http.Request, status int, ar *store.AuthRequest, kind errKind) // error pages
}

// sendError ends the sign-in with an OAuth error at the client's redirect
// URI. The auth request is deleted first: once the client has its answer,
// no later step of the same request (a declined step accepted after all,
// the Back button after cancel) may carry on to a code under the client's
// state.
func (a clientAnswer) sendError(w http.ResponseWriter, r *http.Request, f *flow, code, desc string) {
	if err := a.st.DeleteAuthRequest(r.Context(), f.ar.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.ErrorContext(r.Context(), "end the sign-in", "error", err)
		a.page(w, r, http.StatusServiceUnavailable, &f.ar, errGeneric)
		return
	}
	a.send(w, r, f, url.Values{"error": {code}, "error_description": {desc}})
}

// send answers at the client's redirect URI: in the query, or posted
// there (form_post, OAuth 2.0 Form Post Response Mode). The answer
// carries state and iss (RFC 9207) so clients can tell which server
// answered.
func (a clientAnswer) send(w http.ResponseWriter, r *http.Request, f *flow, params url.Values) {
	if f.ar.State != "" {
		params.Set("state", f.ar.State)
	}
	params.Set("iss", a.issuer)
	if f.ar.ResponseMode == "form_post" {
		fields := make([]ui.Field, 0, len(params))
		for k, v := range params {
			fields = append(fields, ui.Field{Name: k, Value: v[0]})
		}
		a.ui.Render(w, r, http.StatusOK, f.lang, ui.PageFormPost, &ui.FormPostData{Action: f.ar.RedirectURI, Fields: fields})
		return
	}
	u, err := url.Parse(f.ar.RedirectURI)
	if err != nil {
		a.page(w, r, http.StatusBadRequest, &f.ar, errUntrustedRedirect)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

package broker

import (
	"net/http"
	"net/url"

	"github.com/passerelle/passerelle/broker/ui"
)

// sendError ends the sign-in with an OAuth error at the client's redirect
// URI (OIDC Core §3.1.2.6). The URI was checked at /authorize.
func (b *Broker) sendError(w http.ResponseWriter, r *http.Request, f *flow, code, desc string) {
	b.sendToClient(w, r, f, url.Values{"error": {code}, "error_description": {desc}})
}

// sendToClient answers the authorization request at the client's redirect
// URI: in the query, or posted there (form_post, OAuth 2.0 Form Post
// Response Mode). The answer carries iss (RFC 9207) so clients can tell
// which server answered.
func (b *Broker) sendToClient(w http.ResponseWriter, r *http.Request, f *flow, params url.Values) {
	if f.ar.State != "" {
		params.Set("state", f.ar.State)
	}
	params.Set("iss", b.issuer)
	if f.ar.ResponseMode == "form_post" {
		fields := make([]ui.Field, 0, len(params))
		for k, v := range params {
			fields = append(fields, ui.Field{Name: k, Value: v[0]})
		}
		b.ui.Render(w, r, http.StatusOK, f.lang, ui.PageFormPost, &ui.FormPostData{Action: f.ar.RedirectURI, Fields: fields})
		return
	}
	u, err := url.Parse(f.ar.RedirectURI)
	if err != nil {
		b.errorPage(w, r, http.StatusBadRequest, &f.ar, errUntrustedRedirect)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

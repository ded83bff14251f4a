package broker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// Logout everywhere. When a person signs out (RP-initiated logout at
// /end_session), their SSO session ends and every client that received a
// code in it is told:
//
//   - clients with a backchannel_logout_uri get a logout token by POST
//     (backchannel.go), with retries;
//   - clients with a frontchannel_logout_uri are loaded in hidden iframes
//     of the signed-out page, with iss and sid (Front-Channel Logout 1.0
//     §2), under a Content-Security-Policy whose frame-src lists exactly
//     their origins;
//   - the upstream that signed the person in is asked to end its own
//     session when it takes part in logout (providers.LogoutProvider,
//     upstream_logout.go): the browser goes there first and comes back
//     to the provider's route, and a sealed cookie carries the rest of
//     the logout (the iframes, then the client's post_logout_redirect_uri).
//
// The signed-out page shows the iframes and a link to the client's
// post_logout_redirect_uri when there is one; without iframes the
// browser goes straight on.

// logoutRest is what is left to do of a logout once the session has
// ended: the front-channel iframes of the session's clients and where to
// send the browser afterwards.
type logoutRest struct {
	SID   string   `json:"sid"`
	Front []string `json:"front,omitempty"` // client IDs with a front-channel logout URI
	Next  string   `json:"next"`            // the post-logout redirect, or the logged-out page
}

// logout ends the browser's session, tells the session's clients, passes
// the logout on to the session's upstream and sends the browser to next
// (the validated post_logout_redirect_uri, or the logged-out page).
func (b *Broker) logout(w http.ResponseWriter, r *http.Request, next string) {
	ctx := r.Context()
	s, ended := b.sessions.end(ctx, w, r)
	if !ended {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	rest := logoutRest{SID: s.ID, Next: next, Front: b.tellClients(ctx, s)}
	b.audits.record(ctx, "logout", s.AccountID, r.Form.Get("client_id"), "success",
		map[string]string{"sid": s.ID, "provider": s.Provider})
	if to := b.startUpstreamLogout(ctx, w, r, s, rest); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	b.finishLogout(w, r, rest)
}

// tellClients queues a logout token for each of the session's clients
// with a back-channel logout URI, and returns those with a front-channel
// one. A client removed since is skipped.
func (b *Broker) tellClients(ctx context.Context, s store.Session) (front []string) {
	var ds []logoutDelivery
	for _, id := range s.Clients {
		c, err := b.catalog().clients.get(ctx, id)
		if err != nil {
			continue
		}
		if c.BackchannelLogoutURI != "" {
			ds = append(ds, logoutDelivery{ClientID: id, AccountID: s.AccountID, URI: c.BackchannelLogoutURI,
				Alg: c.IDTokenAlg, Subject: b.secrets.subjectFor(c, s.AccountID), SID: s.ID})
		}
		if c.FrontchannelLogoutURI != "" {
			front = append(front, id)
		}
	}
	if len(ds) > 0 {
		b.backchannel.queue(ctx, ds)
	}
	return front
}

// finishLogout shows the front-channel iframes, with a link on to
// rest.Next, or sends the browser to rest.Next when there are none.
func (b *Broker) finishLogout(w http.ResponseWriter, r *http.Request, rest logoutRest) {
	var frames, origins []string
	for _, id := range rest.Front {
		c, err := b.catalog().clients.get(r.Context(), id)
		if err != nil || c.FrontchannelLogoutURI == "" {
			continue
		}
		u, err := url.Parse(c.FrontchannelLogoutURI)
		if err != nil {
			continue
		}
		q := u.Query()
		q.Set("iss", b.issuer)
		q.Set("sid", rest.SID)
		u.RawQuery = q.Encode()
		frames = append(frames, u.String())
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	if len(frames) == 0 {
		http.Redirect(w, r, rest.Next, http.StatusFound)
		return
	}
	next := rest.Next
	if next == b.issuerURL("/logged-out") {
		next = ""
	}
	ui.AllowFrames(w, origins)
	w.Header().Set("Cache-Control", "no-store")
	b.pages.renderLoggedOut(w, r, &ui.LoggedOutData{Frames: frames, Next: next})
}

// sealLogoutRest and openLogoutRest carry a logout's rest in a cookie
// across the upstream's logout (upstream_logout.go), sealed so that
// nobody can add frames or change where it goes.
func (b *Broker) sealLogoutRest(rest logoutRest) (string, error) {
	sealed, err := b.sealer.Seal(logoutCookie, "", mustJSON(rest))
	return base64.RawURLEncoding.EncodeToString(sealed), err
}

func (b *Broker) openLogoutRest(v string) (logoutRest, bool) {
	var rest logoutRest
	sealed, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return rest, false
	}
	plain, err := b.sealer.Open(logoutCookie, "", sealed)
	return rest, err == nil && json.Unmarshal(plain, &rest) == nil && rest.Next != ""
}

func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings
	}
	return raw
}

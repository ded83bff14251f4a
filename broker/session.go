package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// sessions are the browser's cookies and the single sign-on sessions
// they name: the browser binding of every sign-in step, and the session
// a person's authentication leaves behind.
type sessions struct {
	st     store.Store
	log    *slog.Logger
	now    func() time.Time
	secure bool       // SecureCookies: __Host- names, Secure flag
	ladder mfa.Ladder // ranks the levels a session reaches
	// idle and absolute are the session limits (Config.Sessions).
	idle, absolute time.Duration
}

// Cookies. With SecureCookies (every deployment but plain-HTTP loopback
// development) names carry the __Host- prefix, so the browser only
// accepts them Secure, host-only and with Path=/.
func (j *sessions) cookieName(base string) string {
	if j.secure {
		return "__Host-passerelle-" + base
	}
	return "passerelle-" + base
}

func (j *sessions) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: j.cookieName(base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (j *sessions) cookie(r *http.Request, base string) string {
	c, err := r.Cookie(j.cookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}

// browserID returns the browser-binding value, setting the cookie the
// first time. Every step of a sign-in must come from the browser that
// started it, which defeats login CSRF and a sign-in link handed to
// someone else.
func (j *sessions) browserID(w http.ResponseWriter, r *http.Request) string {
	if v := j.cookie(r, "browser"); len(v) >= 43 {
		return v
	}
	v := randomSecret()
	j.setCookie(w, "browser", v, 0)
	return v
}

func sameBrowser(ar *store.AuthRequest, browser string) bool {
	return browser != "" && !ar.Pushed && subtle.ConstantTimeCompare(store.HashToken(browser), ar.Browser) == 1
}

// current returns the SSO session of the request's cookie, if it
// exists and has not been idle too long.
func (j *sessions) current(ctx context.Context, r *http.Request) (store.Session, []byte, bool) {
	v := j.cookie(r, "session")
	if v == "" {
		return store.Session{}, nil, false
	}
	hash := sessionKey(v)
	s, err := j.st.GetSession(ctx, hash)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			j.log.ErrorContext(ctx, "read session", "error", err)
		}
		return s, nil, false
	}
	if j.now().Sub(s.LastSeenAt) > j.idle {
		return s, nil, false
	}
	return s, hash, true
}

// usableSession decides whether the current session may answer this
// auth request without a new authentication: not with prompt=login, not
// past max_age (OIDC Core §3.1.2.1), not for another person than the
// id_token_hint names, and only through a provider the client accepts.
func (b *Broker) usableSession(ctx context.Context, r *http.Request, ar *store.AuthRequest, c *client) (store.Session, bool) {
	s, hash, ok := b.sessions.current(ctx, r)
	if !ok || slices.Contains(ar.Prompt, "login") || !c.allows(s.Provider) {
		return s, false
	}
	if ar.MaxAge != nil && b.now().Sub(s.AuthTime) > time.Duration(*ar.MaxAge)*time.Second {
		return s, false
	}
	if ar.HintSubject != "" && b.secrets.subjectFor(c, s.AccountID) != ar.HintSubject {
		return s, false
	}
	b.sessions.touch(ctx, hash, s)
	return s, true
}

// touch moves the idle deadline, at most once a minute per session
// to keep writes off the hot path.
func (j *sessions) touch(ctx context.Context, hash []byte, s store.Session) {
	now := j.now()
	if now.Sub(s.LastSeenAt) < time.Minute {
		return
	}
	err := j.st.UpdateSession(ctx, hash, func(s store.Session) (store.Session, error) {
		s.LastSeenAt = now
		return s, nil
	})
	if err != nil {
		j.log.ErrorContext(ctx, "touch session", "error", err)
	}
}

// A session cookie is randid.Ordered's: the time it was made, to the
// millisecond, in 12 hexadecimal digits, then a secret of 256 random
// bits (newSessionCookie). The session's store key (store.Session.Hash)
// is those digits, then the hash of the whole value (sessionKey), so that
// the sessions made close in time sit together in the store's B-tree: a
// commit of several sign-ins writes one leaf of new sessions, where the
// hash alone put each in a leaf of its own (store/bolt's doc.go gives
// the figures). The store keeps no more than before: the time,
// which the session's record holds anyway, and a hash. A cookie made
// before (the secret alone, 43 characters) keys its session by the hash
// alone, as it was stored, and works until its session ends.

// sessionCookieLen is the length of a session cookie newSessionCookie
// makes: the time digits and 43 characters of secret.
const sessionCookieLen = randid.OrderedTimeLen + 43

// newSessionCookie returns a new session cookie value, made at now.
func newSessionCookie(now time.Time) string { return randid.Ordered(now, 32) }

// sessionKey is the store key of the session a cookie value names.
func sessionKey(cookie string) []byte {
	h := store.HashToken(cookie)
	if len(cookie) != sessionCookieLen {
		return h
	}
	return append([]byte(cookie[:randid.OrderedTimeLen]), h...)
}

// prepare gives s a new cookie value (a new one at every
// authentication: no session fixation) and its limits (the absolute one
// counted from its authentication), and returns the cookie value and
// the hash of the browser's session s replaces (nil when it has none).
func (j *sessions) prepare(r *http.Request, s store.Session) (store.Session, string, []byte) {
	cookie := newSessionCookie(j.now())
	s.Hash, s.LastSeenAt, s.ExpiresAt = sessionKey(cookie), j.now(), s.AuthTime.Add(j.absolute)
	var replaced []byte
	if old := j.cookie(r, "session"); old != "" {
		replaced = sessionKey(old)
	}
	return s, cookie, replaced
}

// start replaces any session of this browser with s, stored at once.
// s carries its ID.
func (j *sessions) start(ctx context.Context, w http.ResponseWriter, r *http.Request, s store.Session) error {
	s, secret, replaced := j.prepare(r, s)
	if replaced != nil {
		if err := j.st.DeleteSession(ctx, replaced); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if err := j.st.CreateSession(ctx, s); err != nil {
		return err
	}
	j.setCookie(w, "session", secret, 0)
	return nil
}

// end deletes the browser's session and its cookie, and returns the
// session when this call is the one that ended it (of two racing
// logouts, one).
func (j *sessions) end(ctx context.Context, w http.ResponseWriter, r *http.Request) (store.Session, bool) {
	v := j.cookie(r, "session")
	if v == "" {
		return store.Session{}, false
	}
	j.setCookie(w, "session", "", -1)
	hash := sessionKey(v)
	s, err := j.st.GetSession(ctx, hash)
	if err == nil {
		err = j.st.DeleteSession(ctx, hash)
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			j.log.ErrorContext(ctx, "end session", "error", err)
		}
		return s, false
	}
	return s, true
}

// askBeforeLogout answers a logout request that carries no ID token hint
// while a session is open with a page that asks first (RP-Initiated
// Logout 1.0 §2: the OP should confirm, so a link on another site cannot
// sign the person out); the page posts back with a CSRF token bound to the
// session. It returns false when the request may go on.
func (b *Broker) askBeforeLogout(w http.ResponseWriter, r *http.Request) bool {
	s, _, ok := b.sessions.current(r.Context(), r)
	if !ok || r.Form.Get("id_token_hint") != "" {
		return false
	}
	browser := b.sessions.cookie(r, "browser")
	if r.Method == http.MethodPost && b.secrets.checkCSRF("logout:"+s.ID, browser, r.PostFormValue("csrf")) {
		return false
	}
	var hidden []ui.Field
	for _, k := range []string{"client_id", "post_logout_redirect_uri", "state", "ui_locales"} {
		if v := r.Form.Get(k); v != "" {
			hidden = append(hidden, ui.Field{Name: k, Value: v})
		}
	}
	lang := b.pages.lang(r, nil)
	b.ui.Render(w, r, http.StatusOK, lang, ui.PageLoggedOut, &ui.LoggedOutData{
		Common:        ui.Common{Title: b.ui.T(lang, "logout.confirm.title"), CSRF: b.secrets.csrfToken("logout:"+s.ID, browser), Path: r.URL.Path},
		SignOutAction: "/end_session", Hidden: hidden,
	})
	return true
}

// subjectFor is the sub the client sees for an account: pairwise by
// default (HMAC of sector and account), the account ID for public clients.
func (s secrets) subjectFor(c *client, accountID string) string {
	if c.SubjectType == "public" {
		return accountID
	}
	return s.pairwiseSubject(c.Sector(), accountID)
}

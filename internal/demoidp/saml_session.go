package demoidp

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/internal/randid"
)

// The IdP's sessions: one per browser that signed in, in memory,
// bounded (maxSAMLSessions; the oldest goes first), each an hour long,
// with the SPs it was used at so that a logout reaches them.

const (
	samlSessionCookie = "demo-saml-session"
	cancelCookie      = "demo-saml-cancel"
	samlSessionTTL    = time.Hour
	maxSAMLSessions   = 1000
)

type samlSession struct {
	crewsaml.Session
	user         *User
	participants []crewsaml.SessionParticipant
}

type samlSessions struct {
	mu   sync.Mutex
	byID map[string]*samlSession
}

func newSAMLSessions() *samlSessions {
	return &samlSessions{byID: map[string]*samlSession{}}
}

// start opens a session for user and sets its cookie (on path).
func (ss *samlSessions) start(w http.ResponseWriter, path string, user *User) {
	now := time.Now()
	s := &samlSession{Session: crewsaml.Session{ID: randid.Base64URL(32), Index: "_" + randid.Base64URL(16),
		CreateTime: now, ExpireTime: now.Add(samlSessionTTL)}, user: user}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, old := range ss.byID {
		if now.After(old.ExpireTime) {
			delete(ss.byID, id)
		}
	}
	for len(ss.byID) >= maxSAMLSessions {
		var oldest *samlSession
		for _, x := range ss.byID {
			if oldest == nil || x.CreateTime.Before(oldest.CreateTime) {
				oldest = x
			}
		}
		delete(ss.byID, oldest.ID)
	}
	ss.byID[s.ID] = s
	http.SetCookie(w, &http.Cookie{Name: samlSessionCookie, Value: s.ID, Path: path, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(samlSessionTTL / time.Second)})
}

// get is the browser's live session, or nil.
func (ss *samlSessions) get(r *http.Request) *samlSession {
	c, err := r.Cookie(samlSessionCookie)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[c.Value]
	if s == nil || time.Now().After(s.ExpireTime) {
		return nil
	}
	return s
}

// cancelled: the person pressed Cancel on the sign-in page.
func cancelled(r *http.Request) bool {
	_, err := r.Cookie(cancelCookie)
	return err == nil
}

// nameIDKey derives the key of persistent NameIDs from the IdP's key, so
// they stay the same across restarts with the same key.
func nameIDKey(k *rsa.PrivateKey) []byte {
	sum := sha256.Sum256(append([]byte("demo SAML NameID\x00"), x509.MarshalPKCS1PrivateKey(k)...))
	return sum[:]
}

// nameID is the person's persistent NameID at one SP (saml-core §8.3.7):
// opaque, stable, and different at each SP, as GCKey's PAI.
func (s *SAMLServer) nameID(spEntityID string, u *User) string {
	m := hmac.New(sha256.New, s.nameKey)
	m.Write([]byte(spEntityID + "\x00" + u.Username))
	return hex.EncodeToString(m.Sum(nil))
}

// GetSession is the person at the IdP (crewsaml.SessionProvider): the
// browser's session, with the persistent NameID for the requesting SP and
// the level asked for. A person who cancelled is answered AuthnFailed, a
// request for levels the IdP cannot reach NoAuthnContext.
func (s *SAMLServer) GetSession(w http.ResponseWriter, r *http.Request, req *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	fail := func(status string) *crewsaml.Session {
		err := s.idp.SendErrorResponse(w, req, &crewsaml.StatusError{TopLevel: crewsaml.StatusResponder, SecondLevel: status})
		if err != nil {
			s.idp.Logger.Printf("error response: %v", err)
		}
		return nil
	}
	if cancelled(r) {
		http.SetCookie(w, &http.Cookie{Name: cancelCookie, Path: s.prefix, MaxAge: -1})
		return fail(crewsaml.StatusAuthnFailed)
	}
	level := s.level(req)
	if level == "" {
		return fail(crewsaml.StatusNoAuthnContext)
	}
	sess := s.sessions.get(r)
	if sess == nil {
		http.Redirect(w, r, s.prefix+"/login", http.StatusSeeOther)
		return nil
	}
	out := sess.Session
	out.NameID = s.nameID(req.ServiceProviderMetadata.EntityID, sess.user)
	out.NameIDFormat = string(crewsaml.PersistentNameIDFormat)
	out.AuthnContextClassRef = level
	return &out
}

// AddSessionParticipant records the SP a session was used at
// (crewsaml.SessionParticipantTracker), for Single Logout.
func (s *SAMLServer) AddSessionParticipant(r *http.Request, session *crewsaml.Session, p crewsaml.SessionParticipant) error {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if x := s.sessions.byID[session.ID]; x != nil {
		x.participants = append(x.participants, p)
	}
	return nil
}

// SessionParticipants are the SPs of the sessions match selects.
func (s *SAMLServer) SessionParticipants(r *http.Request, match func(*crewsaml.Session) bool) ([]crewsaml.SessionParticipant, error) {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	var out []crewsaml.SessionParticipant
	for _, x := range s.sessions.byID {
		if match(&x.Session) {
			out = append(out, x.participants...)
		}
	}
	return out, nil
}

// InvalidateSession ends the sessions an SP's LogoutRequest names
// (crewsaml.SessionInvalidator): those whose NameID at that SP and
// SessionIndex it names.
func (s *SAMLServer) InvalidateSession(w http.ResponseWriter, r *http.Request, req *crewsaml.IdpLogoutRequest) error {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	for id, x := range s.sessions.byID {
		named := x.Session
		named.NameID = s.nameID(req.ServiceProviderMetadata.EntityID, x.user)
		if req.MatchesSession(&named) {
			delete(s.sessions.byID, id)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: samlSessionCookie, Path: s.prefix, MaxAge: -1})
	return nil
}

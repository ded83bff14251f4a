package demorp

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginOptions are the extra authorization request parameters /login
// passes on, each only with the one value the page offers.
var loginOptions = map[string]string{
	"prompt":     "login",
	"acr_values": demoACR,
	"ui_locales": "fr",
	"idp_hint":   "bank-a",
}

// demoACR is the assurance level the page can ask for.
const demoACR = "urn:gc-ca:cyber-auth:assurance:loa2"

// login starts the authorization code flow (OpenID Connect Core 1.0
// §3.1.2.1) with PKCE S256 (RFC 7636), a fresh state and nonce.
func (h *rp) login(w http.ResponseWriter, r *http.Request) {
	p, err := h.discovered(h.ctx(r))
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, failure{Code: "discovery_failed"})
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, failure{Code: "invalid_request"})
		return
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	for param, value := range loginOptions {
		if r.Form.Get(param) == value {
			opts = append(opts, oauth2.SetAuthURLParam(param, value))
		}
	}
	h.mu.Lock()
	s := h.sessionLocked(r)
	if s == nil {
		s = h.newSessionLocked(w)
	}
	s.pending = append(s.pending, pendingSignIn{state: state, nonce: nonce, verifier: verifier})
	if len(s.pending) > maxPending {
		s.pending = s.pending[len(s.pending)-maxPending:]
	}
	h.mu.Unlock()
	http.Redirect(w, r, p.oauth2.AuthCodeURL(state, opts...), http.StatusSeeOther)
}

// callback is the redirect URI. It checks state and iss (RFC 9207),
// redeems the code with the PKCE verifier, verifies the ID token and its
// nonce, fetches UserInfo and signs the browser in.
func (h *rp) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.mu.Lock()
	s := h.sessionLocked(r)
	var pending pendingSignIn
	ok := false
	if s != nil {
		pending, ok = s.takePending(q.Get("state")) // one answer per request
	}
	h.mu.Unlock()
	nonce, verifier := pending.nonce, pending.verifier
	if !ok {
		h.fail(w, r, http.StatusBadRequest, failure{Code: "state_mismatch"})
		return
	}
	ctx := h.ctx(r)
	p, err := h.discovered(ctx)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, failure{Code: "discovery_failed"})
		return
	}
	if iss := q.Get("iss"); iss != "" && iss != p.issuer {
		h.fail(w, r, http.StatusBadRequest, failure{Code: "issuer_mismatch"})
		return
	}
	if e := q.Get("error"); e != "" {
		// access_denied (RFC 6749 §4.1.2.1): the person said no (declined
		// the terms, cancelled); the page says so plainly, not as a fault.
		code, status := "authorization_error", http.StatusBadRequest
		if e == "access_denied" {
			code, status = "access_denied", http.StatusForbidden
		}
		h.fail(w, r, status, failure{Code: code, Upstream: e, Description: q.Get("error_description")})
		return
	}
	tok, err := p.oauth2.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, tokenFailure("token_error", err))
		return
	}
	id, f := h.identify(ctx, p, tok, "", nonce)
	if f != nil {
		h.fail(w, r, http.StatusBadGateway, *f)
		return
	}
	if id.rawIDToken == "" {
		h.fail(w, r, http.StatusBadGateway, failure{Code: "id_token_missing"})
		return
	}
	h.mu.Lock()
	s.signIn(tok, id)
	s.signNonce = nonce
	h.mu.Unlock()
	http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
}

// identity is what a token response tells about the person.
type identity struct {
	rawIDToken string // "" when the response had no ID token
	subject    string
	claims     []byte
	userinfo   []byte
}

// identify verifies tok's ID token, when it has one (signature, iss, aud,
// exp, at_hash), checks its nonce and, when wantSub is set, its subject,
// then fetches UserInfo and checks that it is about the same subject.
// A refresh may return no ID token (Core §12.2): the subject is then
// wantSub and claims is nil.
func (h *rp) identify(ctx context.Context, p *provider, tok *oauth2.Token, wantSub, nonce string) (*identity, *failure) {
	id := &identity{subject: wantSub}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		idt, err := p.verifier.Verify(ctx, raw)
		if err != nil {
			return nil, &failure{Code: "id_token_invalid"}
		}
		// A refreshed ID token carries the original nonce or none (Core §12.2).
		if idt.Nonce != nonce && (wantSub == "" || idt.Nonce != "") {
			return nil, &failure{Code: "nonce_mismatch"}
		}
		if wantSub != "" && idt.Subject != wantSub {
			return nil, &failure{Code: "subject_changed"}
		}
		if idt.AccessTokenHash != "" && idt.VerifyAccessToken(tok.AccessToken) != nil {
			return nil, &failure{Code: "at_hash_mismatch"}
		}
		var claims json.RawMessage
		if err := idt.Claims(&claims); err != nil {
			return nil, &failure{Code: "id_token_invalid"}
		}
		id.rawIDToken, id.subject, id.claims = raw, idt.Subject, indent(claims)
	}
	ui, err := p.oidc.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, &failure{Code: "userinfo_failed"}
	}
	if ui.Subject != id.subject {
		return nil, &failure{Code: "userinfo_subject_mismatch"}
	}
	var answer json.RawMessage
	if err := ui.Claims(&answer); err != nil {
		return nil, &failure{Code: "userinfo_failed"}
	}
	id.userinfo = indent(answer)
	return id, nil
}

// signIn records a sign-in or refresh. An identity without an ID token
// keeps the previous one. Callers hold rp.mu.
func (s *session) signIn(tok *oauth2.Token, id *identity) {
	s.token = tok
	if id.rawIDToken != "" {
		s.rawIDToken, s.subject, s.claims = id.rawIDToken, id.subject, id.claims
	}
	s.userinfo = id.userinfo
	s.refreshed, s.rotated, s.logoutState = false, false, ""
}

// refresh redeems the refresh token (RFC 6749 §6, Core §12) and shows the
// new claims.
func (h *rp) refresh(w http.ResponseWriter, r *http.Request) {
	csrf := r.PostFormValue("csrf") // read the body before taking the lock
	h.mu.Lock()
	s := h.signedInLocked(r, csrf)
	var old *oauth2.Token
	var sub, nonce string
	if s != nil {
		old, sub, nonce = s.token, s.subject, s.signNonce
	}
	h.mu.Unlock()
	switch {
	case s == nil:
		h.fail(w, r, http.StatusBadRequest, failure{Code: "not_signed_in"})
		return
	case old.RefreshToken == "":
		h.fail(w, r, http.StatusBadRequest, failure{Code: "no_refresh_token"})
		return
	}
	ctx := h.ctx(r)
	p, err := h.discovered(ctx)
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, failure{Code: "discovery_failed"})
		return
	}
	// With no access token, the source goes straight to the token endpoint.
	tok, err := p.oauth2.TokenSource(ctx, &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		h.fail(w, r, http.StatusBadGateway, tokenFailure("refresh_failed", err))
		return
	}
	id, f := h.identify(ctx, p, tok, sub, nonce)
	if f != nil {
		h.fail(w, r, http.StatusBadGateway, *f)
		return
	}
	h.mu.Lock()
	if h.signedInLocked(r, csrf) == s { // still the same sign-in
		s.signIn(tok, id)
		s.refreshed = true
		// oauth2 keeps the old refresh token when the answer has none.
		s.rotated = tok.RefreshToken != old.RefreshToken
	}
	h.mu.Unlock()
	http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
}

// logout forgets the local sign-in and sends the browser to the issuer's
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0 §2), or
// straight back to the page when the issuer announces none.
func (h *rp) logout(w http.ResponseWriter, r *http.Request) {
	state := random()
	csrf := r.PostFormValue("csrf")
	h.mu.Lock()
	s := h.signedInLocked(r, csrf)
	var idTokenHint string
	if s != nil {
		idTokenHint = s.rawIDToken
		*s = session{created: s.created, csrf: s.csrf, logoutState: state}
	}
	h.mu.Unlock()
	if s == nil {
		http.Redirect(w, r, h.base+"/", http.StatusSeeOther)
		return
	}
	back := url.Values{"state": {state}}
	target := h.base + "/?" + back.Encode()
	if p, err := h.discovered(h.ctx(r)); err == nil && p.endSession != "" {
		if u, err := url.Parse(p.endSession); err == nil {
			q := u.Query()
			q.Set("id_token_hint", idTokenHint)
			q.Set("client_id", h.cfg.ClientID)
			q.Set("post_logout_redirect_uri", h.base+"/")
			q.Set("state", state)
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// signedInLocked returns the browser's session when it is signed in and
// csrf is its CSRF token. Callers hold h.mu.
func (h *rp) signedInLocked(r *http.Request, csrf string) *session {
	s := h.sessionLocked(r)
	if s == nil || s.token == nil || subtle.ConstantTimeCompare([]byte(csrf), []byte(s.csrf)) != 1 {
		return nil
	}
	return s
}

// tokenFailure describes a failed token request by the token endpoint's
// error code (RFC 6749 §5.2) alone: the body may hold anything.
func tokenFailure(code string, err error) failure {
	f := failure{Code: code}
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		f.Upstream = re.ErrorCode
	}
	return f
}

// indent pretty-prints a JSON object for the page.
func indent(raw []byte) []byte {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return raw
	}
	return b.Bytes()
}

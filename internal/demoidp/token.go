package demoidp

import (
	"cmp"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// token is the token endpoint (RFC 6749 §4.1.3, OpenID Connect Core 1.0
// §3.1.3). It authenticates the client with client_secret_basic or
// client_secret_post, redeems a code once, checks PKCE (RFC 7636 §4.6)
// and answers with an access token and a signed ID token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	clientID, ok := s.authenticateClient(r)
	if !ok {
		if _, _, basic := r.BasicAuth(); basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}

	g, errCode, errText := s.redeem(r.PostForm.Get("code"), clientID, r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
	if g == nil {
		oauthError(w, http.StatusBadRequest, errCode, errText)
		return
	}
	idToken, err := s.idToken(g)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "cannot sign the ID token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": g.accessToken,
		"token_type":   "Bearer",
		"expires_in":   int(tokenTTL.Seconds()),
		"id_token":     idToken,
		"scope":        strings.Join(g.scopes, " "),
	})
}

// authenticateClient returns the client ID when the request carries the
// right credentials by exactly one method (RFC 6749 §2.3.1).
func (s *Server) authenticateClient(r *http.Request) (string, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if r.PostForm.Has("client_secret") {
			return "", false
		}
		// Basic credentials are form-urlencoded before base64 (§2.3.1).
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return "", false
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID))
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret))
	return id, okID&okSecret == 1
}

// redeem spends code and, when every check passes, issues its access
// token. A code works once: any presentation spends it, and presenting it
// again revokes the access token it yielded (RFC 6749 §4.1.2). On failure
// it returns the OAuth error code and description.
func (s *Server) redeem(code, clientID, redirectURI, verifier string) (*grant, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.codes[code]
	if g == nil || s.now().After(g.codeExpires) {
		return nil, "invalid_grant", "unknown or expired code"
	}
	if g.redeemed {
		delete(s.tokens, g.accessToken)
		delete(s.codes, code)
		return nil, "invalid_grant", "code already used; its tokens are revoked"
	}
	g.redeemed = true
	switch {
	case g.clientID != clientID:
		return nil, "invalid_grant", "code was issued to another client"
	case g.redirectURI != redirectURI:
		return nil, "invalid_grant", "redirect_uri differs from the authorization request"
	case !pkceOK(verifier, g.challenge):
		return nil, "invalid_grant", "code_verifier does not match code_challenge"
	}
	s.sweep()
	g.accessToken = randomString(32)
	g.tokenExpires = s.now().Add(tokenTTL)
	s.tokens[g.accessToken] = g
	return g, "", ""
}

// pkceOK checks verifier against an S256 challenge (RFC 7636 §4.6).
func pkceOK(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// idToken signs g's ID token (OpenID Connect Core 1.0 §2).
func (s *Server) idToken(g *grant) (string, error) {
	now := s.now()
	iss := s.cfg.Issuer
	if s.cfg.Faults.TokenIssuer != "" {
		iss = s.cfg.Faults.TokenIssuer
	}
	claims := s.userClaims(g)
	claims["iss"] = iss
	claims["aud"] = g.clientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(tokenTTL).Unix()
	claims["auth_time"] = g.authTime.Unix()
	claims["amr"] = []string{"pwd"}
	claims["at_hash"] = atHash(s.alg, g.accessToken)
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if acr := cmp.Or(g.user.ACR, s.cfg.ACR); acr != "" {
		claims["acr"] = acr
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return s.signer.sign(payload)
}

// atHash is the left half of the access token's hash, base64url (Core
// §3.1.3.6): SHA-256 for ES256, SHA-512 for EdDSA (Ed25519 hashes with
// SHA-512).
func atHash(alg jose.SignatureAlgorithm, accessToken string) string {
	if alg == jose.EdDSA {
		sum := sha512.Sum512([]byte(accessToken))
		return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	}
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// userClaims returns sub and the claims g's scopes release (Core §5.4),
// or every claim with the Overshare fault.
func (s *Server) userClaims(g *grant) map[string]any {
	c := map[string]any{"sub": s.subject(g.user)}
	over := s.cfg.Faults.Overshare
	if (over || slices.Contains(g.scopes, "email")) && g.user.Email != "" {
		c["email"] = g.user.Email
		c["email_verified"] = true
	}
	if over || slices.Contains(g.scopes, "profile") {
		c["given_name"] = g.user.GivenName
		c["family_name"] = g.user.FamilyName
		c["name"] = strings.TrimSpace(g.user.GivenName + " " + g.user.FamilyName)
		c["locale"] = g.locale
	}
	return c
}

// userinfo is the UserInfo endpoint (Core §5.3); the access token comes in
// the Authorization header (RFC 6750 §2.1).
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	g := s.tokens[tok]
	valid := strings.EqualFold(scheme, "Bearer") && tok != "" && g != nil && !s.now().After(g.tokenExpires)
	s.mu.Unlock()
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "missing, unknown or expired access token")
		return
	}
	claims := s.userClaims(g)
	if s.cfg.Faults.UserinfoSubject != "" {
		claims["sub"] = s.cfg.Faults.UserinfoSubject
	}
	writeJSON(w, http.StatusOK, claims)
}

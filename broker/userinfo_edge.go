package broker

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// userinfo serves OIDC Core §5.3 (GET or POST) with a bearer token sent
// one way only (RFC 6750 §2): the Authorization header, or the
// access_token field of a POSTed form. The query form (§2.3) is not
// offered: a token there is refused, as is a token sent two ways at once
// or two Authorization headers (400 invalid_request). A request without
// a token gets 401 and a bare Bearer challenge (§3.1: no error code); a
// token that is not valid, 401 invalid_token. Scripts read the answer
// only from an origin the token's client lists (cors.go).
func (e protocolEdge) userinfo(w http.ResponseWriter, r *http.Request) {
	if isPreflight(r) {
		e.preflight(w, r, "GET, POST")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "userinfo accepts GET and POST")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	token, problem := bearerToken(r)
	switch {
	case problem != "":
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", problem)
		return
	case token == "":
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if len(r.Header.Values("DPoP")) > 0 {
		w.Header().Set("DPoP-Nonce", e.srv.dpop.Nonce())
	}
	resp, err := e.srv.UserInfo(e.ctx(r), request(r, &oidc.UserInfoRequest{AccessToken: token}))
	var refused *dpopError
	switch {
	case err == nil:
		answer(w, resp)
	case errors.As(err, &refused):
		// RFC 9449 §7.1: the DPoP challenge, with a nonce to use.
		w.Header().Set("WWW-Authenticate", refused.challenge())
		w.Header().Set("DPoP-Nonce", e.srv.dpop.Nonce())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": refused.code, "error_description": refused.desc})
	case errors.Is(err, errInvalidToken):
		// RFC 6750 §3.1: say why, in the header, with no body detail.
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_token"}` + "\n"))
	default:
		e.fail(w, r, err)
	}
}

// bearerToken reads the access token of a userinfo request, or says why
// the request is malformed.
func bearerToken(r *http.Request) (token, problem string) {
	if err := r.ParseForm(); err != nil {
		return "", "the request body is not a valid form"
	}
	if r.URL.Query().Has("access_token") {
		return "", "the access token may not be sent in the query (RFC 6750 §2.3)"
	}
	hs := r.Header.Values("Authorization")
	if len(hs) > 1 {
		return "", "the Authorization header is repeated"
	}
	if len(r.PostForm["access_token"]) > 1 {
		return "", "parameter access_token is repeated"
	}
	form := r.PostForm.Get("access_token")
	if len(hs) == 1 {
		scheme, value, _ := strings.Cut(hs[0], " ")
		if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "DPoP") {
			return form, "" // another scheme carries no access token
		}
		if form != "" {
			return "", "the access token was sent two ways at once"
		}
		return strings.TrimSpace(value), ""
	}
	return form, ""
}

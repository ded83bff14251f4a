package broker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/passerelle/passerelle/store"
)

// Size limits of authorization request parameters, in bytes. What an
// anonymous visitor sends to /authorize is stored for the auth request's
// lifetime, so each parameter the auth request keeps (or the library
// parses) has a bound; a longer one is refused with invalid_request
// before anything is stored. The limits leave room for any honest value:
// state and nonce are opaque values a client draws (client libraries
// send 16 to 64 characters), a login_hint is an email address (at most
// 254) or a username, a code_challenge is 43 characters (RFC 7636 §4.2).
// Summed, they fit protocolBody, the limit of a POSTed request.
const maxState = 512

var paramLimits = []struct {
	name string
	max  int
}{
	{"state", maxState},
	{"nonce", 512},
	{"client_id", 256},
	{"redirect_uri", 2048},
	{"scope", 1024},
	{"response_type", 64},
	{"response_mode", 64},
	{"code_challenge", 128},
	{"code_challenge_method", 16},
	{"prompt", 64},
	{"max_age", 16},
	{"display", 16},
	{"ui_locales", 128},
	{"claims_locales", 128},
	{"login_hint", 256},
	{"acr_values", 512},
	{"id_token_hint", 4096},
	{"idp_hint", 128},
	{"claims", 2048},
}

// oversized returns the first parameter longer than its limit, and the
// limit.
func oversized(r *http.Request) (string, int) {
	for _, p := range paramLimits {
		if len(r.Form.Get(p.name)) > p.max {
			return p.name, p.max
		}
	}
	return "", 0
}

// invalidParams is the invalid_request for the first parameter of r
// over its size limit or malformed, or nil.
func invalidParams(r *http.Request) *oidc.Error {
	if k, n := oversized(r); k != "" {
		return oidc.ErrInvalidRequest().WithDescription("parameter %s is longer than %d bytes", k, n)
	}
	if problem := malformed(r); problem != "" {
		return oidc.ErrInvalidRequest().WithDescription("%s", problem)
	}
	return nil
}

// promptValues are the prompt values Passerelle knows (OIDC Core
// §3.1.2.1). consent is accepted and never asks anything: see the
// package doc.
var promptValues = []string{oidc.PromptNone, oidc.PromptLogin, oidc.PromptConsent, oidc.PromptSelectAccount}

// malformed checks the syntax of the authorization request's parameters
// before anything is decoded or stored, and describes the first
// problem: every parameter Passerelle reads (paramLimits) except state
// must be UTF-8 without NUL (state is the client's opaque value and
// comes back byte for byte); response_type is required; scope is
// space-separated visible ASCII without " or \ (RFC 6749 §3.3); prompt
// holds known values, and none alone; code_challenge is 43 to 128
// unreserved characters (RFC 7636 §4.2); max_age a non-negative integer;
// claims a claims request object (OIDC Core §5.5).
func malformed(r *http.Request) string {
	f := r.Form
	for _, p := range paramLimits {
		if v := f.Get(p.name); p.name != "state" && (!utf8.ValidString(v) || strings.ContainsRune(v, 0)) {
			return p.name + " is not valid UTF-8 text"
		}
	}
	if f.Get("response_type") == "" {
		return "response_type is required"
	}
	if v := f.Get("scope"); strings.ContainsFunc(v, func(c rune) bool { return c != ' ' && (c < 0x21 || c > 0x7e || c == '"' || c == '\\') }) {
		return "scope holds characters outside visible ASCII"
	}
	if v, ok := f["prompt"]; ok {
		ps := strings.Fields(v[0])
		if len(ps) == 0 {
			return "prompt is empty"
		}
		for _, p := range ps {
			if !slices.Contains(promptValues, p) {
				return "prompt " + strconv.Quote(p) + " is not one of none, login, consent, select_account"
			}
		}
		if slices.Contains(ps, oidc.PromptNone) && len(ps) > 1 {
			return "prompt none must be alone"
		}
	}
	if v, ok := f["code_challenge"]; ok && !pkceValue(v[0]) {
		return "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
	}
	if v, ok := f["max_age"]; ok {
		if _, err := strconv.ParseUint(v[0], 10, 31); err != nil || strings.HasPrefix(v[0], "+") {
			return "max_age must be a non-negative integer of seconds"
		}
	}
	if v, ok := f["claims"]; ok {
		if _, err := parseClaims(v[0]); err != nil {
			return "claims is not a valid claims request: " + err.Error()
		}
	}
	return ""
}

// pkceValue reports whether v is a valid code_challenge or code_verifier
// (RFC 7636 §4.1, §4.2): 43 to 128 unreserved characters.
func pkceValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	return !strings.ContainsFunc(v, func(c rune) bool {
		return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~')
	})
}

// heldClaims are the claims the claims parameter may ask for by name:
// those Passerelle holds beyond what every ID token carries (sub, acr,
// amr, auth_time, sid).
var heldClaims = []string{"name", "given_name", "family_name", "email", "email_verified", "locale"}

// claimAsk is one member of a claims request (OIDC Core §5.5.1).
type claimAsk struct {
	Essential *bool             `json:"essential"`
	Value     json.RawMessage   `json:"value"`
	Values    []json.RawMessage `json:"values"`
}

// askedClaims is a parsed claims parameter: what Passerelle keeps of it
// and the acr values it asks for (OIDC Core §5.5.1.1).
type askedClaims struct {
	store.ClaimsRequest
	acr []string
	sub string // the sub value the ID token must have, if any
}

// parseClaims reads a claims parameter: a JSON object whose id_token and
// userinfo members are objects of claims, each null or an object with
// essential (a boolean), value or values (an array). Other top-level
// members are ignored (§5.5: extensions); a claim Passerelle does not
// hold is ignored too.
func parseClaims(raw string) (askedClaims, error) {
	var out askedClaims
	var top map[string]json.RawMessage
	d := json.NewDecoder(strings.NewReader(raw))
	if err := d.Decode(&top); err != nil || top == nil || d.More() {
		return out, errClaimsObject
	}
	for _, target := range []string{"id_token", "userinfo"} {
		m, ok := top[target]
		if !ok {
			continue
		}
		var members map[string]*claimAsk
		if bytes.Equal(bytes.TrimSpace(m), []byte("null")) || json.Unmarshal(m, &members) != nil || members == nil {
			return out, fmt.Errorf("%s must be an object of claims, each null or {essential, value, values}", target)
		}
		for name, ask := range members {
			if ask != nil && ask.Values != nil && ask.Value != nil {
				return out, fmt.Errorf("%s has both value and values", name)
			}
			switch {
			case name == "acr" && ask != nil:
				out.acr = append(out.acr, acrAsked(ask)...)
			case name == "sub" && ask != nil && target == "id_token":
				_ = json.Unmarshal(ask.Value, &out.sub)
			case slices.Contains(heldClaims, name):
				if target == "id_token" {
					out.IDToken = append(out.IDToken, name)
				} else {
					out.UserInfo = append(out.UserInfo, name)
				}
			}
		}
	}
	slices.Sort(out.IDToken)
	slices.Sort(out.UserInfo)
	return out, nil
}

var errClaimsObject = errors.New("not a JSON object")

// acrAsked are the string values an acr member asks for.
func acrAsked(ask *claimAsk) []string {
	var out []string
	for _, raw := range append([]json.RawMessage{ask.Value}, ask.Values...) {
		var s string
		if raw != nil && json.Unmarshal(raw, &s) == nil && s != "" {
			out = append(out, s)
		}
	}
	return out
}

package store

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// ClaimsRequest is the part of an OIDC Core §5.5 claims parameter that
// Passerelle acts on: the names of the claims asked for in the ID token
// and at userinfo (essential or voluntary alike).
type ClaimsRequest struct {
	IDToken  []string `json:"id_token,omitempty"`
	UserInfo []string `json:"userinfo,omitempty"`
}

// authRequestJSON is AuthRequest without its JSON methods.
type authRequestJSON AuthRequest

// MarshalJSON keeps State byte for byte: the state is the client's opaque
// value (RFC 6749 §4.1.2) and must come back unaltered, but JSON text
// holds only UTF-8 (an invalid byte would come back as U+FFFD) and
// PostgreSQL's jsonb refuses NUL. Such a state is written as base64 in
// state_bytes instead.
func (a AuthRequest) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(a.State) && !strings.ContainsRune(a.State, 0) {
		return json.Marshal(authRequestJSON(a))
	}
	return json.Marshal(struct {
		authRequestJSON
		State      string `json:"state,omitempty"`
		StateBytes []byte `json:"state_bytes"`
	}{authRequestJSON: authRequestJSON(a), StateBytes: []byte(a.State)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (a *AuthRequest) UnmarshalJSON(b []byte) error {
	var v struct {
		*authRequestJSON
		StateBytes []byte `json:"state_bytes"`
	}
	v.authRequestJSON = (*authRequestJSON)(a)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.StateBytes != nil {
		a.State = string(v.StateBytes)
	}
	return nil
}

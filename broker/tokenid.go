package broker

import (
	"strconv"
	"strings"
	"time"
)

// accessTokenRef is what an access token's ID says, sealed inside the
// token with its subject: the grant, the expiry and, for a token bound
// to a DPoP key, that key's thumbprint. Its text is
// "grantID.expiry[.jkt]" (none of the parts holds a dot).
type accessTokenRef struct {
	grant string
	exp   time.Time
	jkt   string // "" for a bearer token
}

func (t accessTokenRef) String() string {
	s := t.grant + "." + strconv.FormatInt(t.exp.Unix(), 10)
	if t.jkt != "" {
		s += "." + t.jkt
	}
	return s
}

// parseTokenRef reads an access token's ID strictly, so that a value
// that merely decrypts (a refresh token presented to introspection) is
// never taken for an access token: a grant ID and a thumbprint of
// base64url characters, an expiry of digits.
func parseTokenRef(id string) (accessTokenRef, bool) {
	grant, rest, _ := strings.Cut(id, ".")
	expiry, jkt, bound := strings.Cut(rest, ".")
	if !isBase64URL(grant, 1, 64) || !isDecimal(expiry) || bound && !isBase64URL(jkt, 43, 43) {
		return accessTokenRef{}, false
	}
	exp, err := strconv.ParseInt(expiry, 10, 64)
	if err != nil {
		return accessTokenRef{}, false
	}
	return accessTokenRef{grant: grant, exp: time.Unix(exp, 0), jkt: jkt}, true
}

// isDecimal says whether s is a positive number written without a sign
// or a leading zero: the one way FormatInt writes it.
func isDecimal(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isBase64URL says whether s is min to max characters of the base64url
// alphabet.
func isBase64URL(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

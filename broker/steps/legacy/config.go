package legacy

import (
	"regexp"
	"slices"

	"github.com/passerelle/passerelle/internal/validate"
)

// DefaultClaim is the claim that carries the legacy ID.
const DefaultClaim = "legacy_id"

// Config is a client's settings of the legacy step (clients[].legacy).
type Config struct {
	// Claim names the claim that carries the legacy ID (default
	// legacy_id).
	Claim string `mapstructure:"claim" yaml:"claim"`
}

var claimName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// reserved are the claims Passerelle itself gives (OIDC Core §2, §5.1,
// and its own sid and idp): the legacy ID may not take their place.
var reserved = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash",
	"c_hash", "sid", "idp", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
	"profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
	"phone_number", "phone_number_verified", "address", "updated_at", "jti", "nbf", "scope", "client_id"}

// ClaimName is the claim of c (nil: the default).
func (c *Config) ClaimName() string {
	if c == nil || c.Claim == "" {
		return DefaultClaim
	}
	return c.Claim
}

// Validate lists the problems of c under path.
func (c *Config) Validate(ps *validate.Problems, path string) {
	switch {
	case c.Claim == "":
	case !claimName.MatchString(c.Claim):
		ps.Add(path+".claim", "must be 1 to 64 lower-case letters, digits or _, starting with a letter", c.Claim)
	case slices.Contains(reserved, c.Claim):
		ps.Add(path+".claim", "must not be a claim Passerelle gives itself", c.Claim)
	}
}

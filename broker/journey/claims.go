package journey

import (
	"regexp"
	"slices"

	"github.com/passerelle/passerelle/internal/validate"
)

var claimName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// reservedClaims are the claims Passerelle itself gives (OIDC Core §2,
// §5.1, and its own sid, idp, org and roles): a step's claim may not take their
// place.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash",
	"c_hash", "sid", "idp", "org", "roles", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
	"profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
	"phone_number", "phone_number_verified", "address", "updated_at", "jti", "nbf", "scope", "client_id"}

// CheckClaimName adds a problem at path when name ("" for a step's
// default) cannot name a Claimer's claim.
func CheckClaimName(ps *validate.Problems, path, name string) {
	switch {
	case name == "":
	case !claimName.MatchString(name):
		ps.Add(path, "must be 1 to 64 lower-case letters, digits or _, starting with a letter", name)
	case slices.Contains(reservedClaims, name):
		ps.Add(path, "must not be a claim Passerelle gives itself", name)
	}
}

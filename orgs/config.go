package orgs

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// Defaults of Config.
const (
	DefaultInvitationTTL = 30 * 24 * time.Hour
	DefaultActivationTTL = 45 * 24 * time.Hour
	DefaultTransferTTL   = 7 * 24 * time.Hour
	DefaultOrgClaim      = "org"
	DefaultRolesClaim    = "roles"
)

// Leave is Config.AfterTransfer's value for an old owner who leaves the
// organization when ownership passes on.
const Leave = "leave"

// Config is a client's organizations (clients[].organizations): its role
// table and how people join.
type Config struct {
	// Required: a sign-in for the client needs an organization; a person
	// who has none enters an invitation code (or activates one) or goes
	// back to the client with access_denied.
	Required bool `mapstructure:"required" yaml:"required"`
	// Roles is the table, in the order pages list them.
	Roles []Role `mapstructure:"roles" yaml:"roles"`
	// Owner is the role exactly one member holds, if the client has one;
	// only its holder transfers it.
	Owner string `mapstructure:"owner" yaml:"owner"`
	// AfterTransfer is the role the old owner takes when ownership passes
	// on, or "leave".
	AfterTransfer string `mapstructure:"after_transfer" yaml:"after_transfer"`
	// Activation lets a person ask for an activation code by mail for the
	// external number of an organization not yet activated, and become its
	// owner by entering it (needs Owner).
	Activation bool `mapstructure:"activation" yaml:"activation"`
	// InvitationTTL, ActivationTTL and TransferTTL are how long an
	// invitation code, an activation code and an offer of ownership last.
	InvitationTTL time.Duration `mapstructure:"invitation_ttl" yaml:"invitation_ttl"`
	ActivationTTL time.Duration `mapstructure:"activation_ttl" yaml:"activation_ttl"`
	TransferTTL   time.Duration `mapstructure:"transfer_ttl" yaml:"transfer_ttl"`
	// Claims names the claims that carry the chosen organization and the
	// person's roles in it.
	Claims ClaimNames `mapstructure:"claims" yaml:"claims"`
}

// ClaimNames are the names of the two claims.
type ClaimNames struct {
	Org   string `mapstructure:"org" yaml:"org"`
	Roles string `mapstructure:"roles" yaml:"roles"`
}

// Role is one row of the table.
type Role struct {
	ID   string            `mapstructure:"id" yaml:"id"`
	Name map[string]string `mapstructure:"name" yaml:"name"`
	// Invite are the roles a holder may give: by invitation code, or by
	// changing a member's role.
	Invite []string `mapstructure:"invite" yaml:"invite"`
	// Manage are the roles of members a holder may remove or change.
	Manage []string `mapstructure:"manage" yaml:"manage"`
	// SeeMembers lets a holder see the members and pending invitations.
	SeeMembers bool `mapstructure:"see_members" yaml:"see_members"`
}

// SetDefaults fills unset values.
func (c *Config) SetDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.InvitationTTL, DefaultInvitationTTL)
	def(&c.ActivationTTL, DefaultActivationTTL)
	def(&c.TransferTTL, DefaultTransferTTL)
	if c.Claims.Org == "" {
		c.Claims.Org = DefaultOrgClaim
	}
	if c.Claims.Roles == "" {
		c.Claims.Roles = DefaultRolesClaim
	}
}

var roleID = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// reservedClaims are the claims Passerelle or OpenID Connect set already.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr",
	"azp", "at_hash", "c_hash", "sid", "idp", "locale", "name", "given_name", "family_name", "email",
	"email_verified", "scope", "client_id"}

// Validate lists every problem of c under path (call SetDefaults first).
func (c *Config) Validate(ps *validate.Problems, path string) {
	ids := make([]string, 0, len(c.Roles))
	if len(c.Roles) == 0 {
		ps.Add(path+".roles", "must list at least one role", nil)
	}
	for i, r := range c.Roles {
		p := fmt.Sprintf("%s.roles[%d]", path, i)
		switch {
		case !roleID.MatchString(r.ID):
			ps.Add(p+".id", "must be 1 to 40 lower-case letters, digits, _ or -, starting with a letter", r.ID)
		case slices.Contains(ids, r.ID):
			ps.Add(p+".id", "must be unique", r.ID)
		}
		ids = append(ids, r.ID)
		for _, lang := range []string{"en", "fr"} {
			ps.Required(p+".name."+lang, r.Name[lang])
		}
	}
	for i, r := range c.Roles {
		p := fmt.Sprintf("%s.roles[%d]", path, i)
		for j, x := range r.Invite {
			switch {
			case !slices.Contains(ids, x):
				ps.Add(fmt.Sprintf("%s.invite[%d]", p, j), "must be a role of the table", x)
			case x == c.Owner:
				ps.Add(fmt.Sprintf("%s.invite[%d]", p, j), "may not be the owner role (ownership passes by transfer only)", x)
			}
		}
		for j, x := range r.Manage {
			switch {
			case !slices.Contains(ids, x):
				ps.Add(fmt.Sprintf("%s.manage[%d]", p, j), "must be a role of the table", x)
			case x == c.Owner:
				ps.Add(fmt.Sprintf("%s.manage[%d]", p, j), "may not be the owner role (the owner is never removed)", x)
			}
		}
	}
	switch {
	case c.Owner == "":
		if c.AfterTransfer != "" {
			ps.Add(path+".after_transfer", "is used only with owner", c.AfterTransfer)
		}
		if c.Activation {
			ps.Add(path+".activation", "needs an owner role (activation makes the person the owner)", nil)
		}
	case !slices.Contains(ids, c.Owner):
		ps.Add(path+".owner", "must be a role of the table", c.Owner)
	case c.AfterTransfer != Leave && (!slices.Contains(ids, c.AfterTransfer) || c.AfterTransfer == c.Owner):
		ps.Add(path+".after_transfer", "must be a role of the table other than the owner's, or "+Leave, c.AfterTransfer)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"invitation_ttl", c.InvitationTTL}, {"activation_ttl", c.ActivationTTL}, {"transfer_ttl", c.TransferTTL}} {
		if d.v < time.Hour || d.v > 400*24*time.Hour {
			ps.Add(path+"."+d.key, "must be between 1h and 9600h (400 days)", d.v.String())
		}
	}
	for _, n := range []struct{ key, v string }{{"org", c.Claims.Org}, {"roles", c.Claims.Roles}} {
		if slices.Contains(reservedClaims, n.v) {
			ps.Add(path+".claims."+n.key, "may not be a claim Passerelle or OpenID Connect sets", n.v)
		}
	}
	if c.Claims.Org == c.Claims.Roles {
		ps.Add(path+".claims.roles", "must differ from claims.org", c.Claims.Roles)
	}
}

// role returns the row of id.
func (c *Config) role(id string) (Role, bool) {
	for _, r := range c.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}

// RoleName is the name of role id in lang, or id itself when the table
// no longer has it.
func (c *Config) RoleName(id, lang string) string {
	if r, ok := c.role(id); ok && r.Name[lang] != "" {
		return r.Name[lang]
	}
	return id
}

// MayInvite reports whether a holder of actor may give role.
func (c *Config) MayInvite(actor, role string) bool {
	r, ok := c.role(actor)
	return ok && role != c.Owner && slices.Contains(r.Invite, role)
}

// MayManage reports whether a holder of actor may remove or change a
// member holding role.
func (c *Config) MayManage(actor, role string) bool {
	r, ok := c.role(actor)
	return ok && role != c.Owner && slices.Contains(r.Manage, role)
}

// MaySeeMembers reports whether a holder of actor sees the members.
func (c *Config) MaySeeMembers(actor string) bool {
	r, ok := c.role(actor)
	return ok && r.SeeMembers
}

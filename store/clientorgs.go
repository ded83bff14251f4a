package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// Defaults of ClientOrgs.
const (
	DefaultInvitationTTL = 30 * 24 * time.Hour
	DefaultActivationTTL = 45 * 24 * time.Hour
	DefaultTransferTTL   = 7 * 24 * time.Hour
	DefaultOrgClaim      = "org"
	DefaultRolesClaim    = "roles"
)

// OrgLeave is ClientOrgs.AfterTransfer's value for an old owner who
// leaves the organization when ownership passes on.
const OrgLeave = "leave"

// ClientOrgs is a client's organizations (clients[].organizations, in the
// configuration file or through the admin API): its role table and how
// people join. It is part of the client's record, as its MFA policy is;
// package orgs applies it.
type ClientOrgs struct {
	// Required: a sign-in for the client needs an organization; a person
	// who has none enters an invitation code (or activates one) or goes
	// back to the client with access_denied.
	Required bool `json:"required,omitempty" mapstructure:"required" yaml:"required"`
	// Roles is the table, in the order pages list them.
	Roles []OrgRole `json:"roles" mapstructure:"roles" yaml:"roles"`
	// Owner is the role exactly one member holds, if the client has one;
	// only its holder transfers it.
	Owner string `json:"owner,omitempty" mapstructure:"owner" yaml:"owner"`
	// AfterTransfer is the role the old owner takes when ownership passes
	// on, or "leave".
	AfterTransfer string `json:"after_transfer,omitempty" mapstructure:"after_transfer" yaml:"after_transfer"`
	// Activation lets a person ask for an activation code by mail for the
	// external number of an organization not yet activated, and become its
	// owner by entering it (needs Owner).
	Activation bool `json:"activation,omitempty" mapstructure:"activation" yaml:"activation"`
	// RegisterFile is the client's register of businesses, an operator's
	// CSV file (number,name_en,name_fr: the business register the client
	// holds); a request for an activation letter by a number it lists
	// creates the organization, pending (package orgs). The configuration
	// file only: the admin API has no operator files.
	RegisterFile string `json:"-" mapstructure:"register" yaml:"-"`
	// Register is RegisterFile's content, number → names, read with the
	// configuration (orgs.LoadRegister).
	Register map[string]RegisterEntry `json:"-" mapstructure:"-" yaml:"-"`
	// InvitationTTL, ActivationTTL and TransferTTL are how long an
	// invitation code, an activation code and an offer of ownership last.
	InvitationTTL time.Duration `json:"invitation_ttl,omitempty" mapstructure:"invitation_ttl" yaml:"invitation_ttl"`
	ActivationTTL time.Duration `json:"activation_ttl,omitempty" mapstructure:"activation_ttl" yaml:"activation_ttl"`
	TransferTTL   time.Duration `json:"transfer_ttl,omitempty" mapstructure:"transfer_ttl" yaml:"transfer_ttl"`
	// Claims names the claims that carry the chosen organization and the
	// person's roles in it.
	Claims OrgClaimNames `json:"claims" mapstructure:"claims" yaml:"claims"`
}

// RegisterEntry is a business of a client's register: its names.
type RegisterEntry struct{ NameEN, NameFR string }

// OrgClaimNames are the names of the two claims.
type OrgClaimNames struct {
	Org   string `json:"org,omitempty" mapstructure:"org" yaml:"org"`
	Roles string `json:"roles,omitempty" mapstructure:"roles" yaml:"roles"`
}

// OrgRole is one row of the table.
type OrgRole struct {
	ID   string            `json:"id" mapstructure:"id" yaml:"id"`
	Name map[string]string `json:"name" mapstructure:"name" yaml:"name"`
	// Invite are the roles a holder may give: by invitation code, or by
	// changing a member's role.
	Invite []string `json:"invite,omitempty" mapstructure:"invite" yaml:"invite"`
	// Manage are the roles of members a holder may remove or change.
	Manage []string `json:"manage,omitempty" mapstructure:"manage" yaml:"manage"`
	// SeeMembers lets a holder see the members and pending invitations.
	SeeMembers bool `json:"see_members,omitempty" mapstructure:"see_members" yaml:"see_members"`
}

// orgsDuration is a duration as JSON carries it: text such as "720h",
// as the configuration file writes it.
type orgsDuration time.Duration

func (d orgsDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *orgsDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("a duration such as \"720h\", got %q", b)
	}
	*d = orgsDuration(v)
	return nil
}

// orgsJSON is ClientOrgs with its durations as text; its own fields
// shadow the embedded ones.
type orgsJSON struct {
	*orgsPlain
	InvitationTTL orgsDuration `json:"invitation_ttl,omitempty"`
	ActivationTTL orgsDuration `json:"activation_ttl,omitempty"`
	TransferTTL   orgsDuration `json:"transfer_ttl,omitempty"`
}

type orgsPlain ClientOrgs

// MarshalJSON writes the durations as text ("720h0m0s").
func (c ClientOrgs) MarshalJSON() ([]byte, error) {
	return json.Marshal(orgsJSON{(*orgsPlain)(&c), orgsDuration(c.InvitationTTL), orgsDuration(c.ActivationTTL), orgsDuration(c.TransferTTL)})
}

// UnmarshalJSON reads the durations as text ("720h") and refuses keys
// the shape lacks, as the configuration file does.
func (c *ClientOrgs) UnmarshalJSON(b []byte) error {
	v := orgsJSON{orgsPlain: (*orgsPlain)(c)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("organizations: %w", err)
	}
	c.InvitationTTL, c.ActivationTTL, c.TransferTTL = time.Duration(v.InvitationTTL), time.Duration(v.ActivationTTL), time.Duration(v.TransferTTL)
	return nil
}

// SetDefaults fills unset values.
func (c *ClientOrgs) SetDefaults() {
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

var orgRoleID = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// reservedClaims are the claims Passerelle or OpenID Connect set already.
var reservedOrgClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr",
	"azp", "at_hash", "c_hash", "sid", "idp", "locale", "name", "given_name", "family_name", "email",
	"email_verified", "scope", "client_id"}

// Validate lists every problem of c under path (call SetDefaults first).
func (c *ClientOrgs) Validate(ps *validate.Problems, path string) {
	ids := make([]string, 0, len(c.Roles))
	if len(c.Roles) == 0 {
		ps.Add(path+".roles", "must list at least one role", nil)
	}
	for i, r := range c.Roles {
		p := fmt.Sprintf("%s.roles[%d]", path, i)
		switch {
		case !orgRoleID.MatchString(r.ID):
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
	case c.AfterTransfer != OrgLeave && (!slices.Contains(ids, c.AfterTransfer) || c.AfterTransfer == c.Owner):
		ps.Add(path+".after_transfer", "must be a role of the table other than the owner's, or "+OrgLeave, c.AfterTransfer)
	}
	if c.RegisterFile != "" && !c.Activation {
		ps.Add(path+".register", "is used only with activation", c.RegisterFile)
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
		if slices.Contains(reservedOrgClaims, n.v) {
			ps.Add(path+".claims."+n.key, "may not be a claim Passerelle or OpenID Connect sets", n.v)
		}
	}
	if c.Claims.Org == c.Claims.Roles {
		ps.Add(path+".claims.roles", "must differ from claims.org", c.Claims.Roles)
	}
}

// RoleRow returns the row of id.
func (c *ClientOrgs) RoleRow(id string) (OrgRole, bool) {
	for _, r := range c.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return OrgRole{}, false
}

// RoleName is the name of role id in lang, or id itself when the table
// no longer has it.
func (c *ClientOrgs) RoleName(id, lang string) string {
	if r, ok := c.RoleRow(id); ok && r.Name[lang] != "" {
		return r.Name[lang]
	}
	return id
}

// MayInvite reports whether a holder of actor may give role.
func (c *ClientOrgs) MayInvite(actor, role string) bool {
	r, ok := c.RoleRow(actor)
	return ok && role != c.Owner && slices.Contains(r.Invite, role)
}

// MayManage reports whether a holder of actor may remove or change a
// member holding role.
func (c *ClientOrgs) MayManage(actor, role string) bool {
	r, ok := c.RoleRow(actor)
	return ok && role != c.Owner && slices.Contains(r.Manage, role)
}

// MaySeeMembers reports whether a holder of actor sees the members.
func (c *ClientOrgs) MaySeeMembers(actor string) bool {
	r, ok := c.RoleRow(actor)
	return ok && r.SeeMembers
}

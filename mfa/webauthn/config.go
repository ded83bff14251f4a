package webauthn

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/passerelle/passerelle/internal/validate"
)

// Config is the `webauthn` section of the MFA configuration.
type Config struct {
	// RPID is the relying-party ID credentials are scoped to: the broker's
	// host name, or a registrable suffix of it ("localhost",
	// "login.example.gc.ca"). Changing it orphans every registered key.
	RPID string `mapstructure:"rp_id" yaml:"rp_id"`
	// RPDisplayName is the name authenticators show. Default "Passerelle".
	RPDisplayName string `mapstructure:"rp_display_name" yaml:"rp_display_name"`
	// Origins are the broker's origins as the browser reports them
	// ("https://login.example.gc.ca", "http://localhost:8080"). Each host
	// must be RPID or a subdomain of it.
	Origins []string `mapstructure:"origins" yaml:"origins"`
	// UserVerification asks the authenticator to verify the person (PIN,
	// biometric): "preferred" (default), "required" or "discouraged".
	UserVerification string `mapstructure:"user_verification" yaml:"user_verification"`
	// ResidentKey says whether a key should store the credential itself
	// (a discoverable credential, a passkey): "discouraged" (default, so
	// a second factor does not use up a security key's few slots),
	// "preferred" or "required".
	ResidentKey string `mapstructure:"resident_key" yaml:"resident_key"`
}

var (
	requirements = []string{"preferred", "required", "discouraged"}
	residentKeys = []string{"discouraged", "preferred", "required"}
)

// SetDefaults fills in the display name and the requirements left empty.
func (c *Config) SetDefaults() {
	if c.RPDisplayName == "" {
		c.RPDisplayName = "Passerelle"
	}
	if c.UserVerification == "" {
		c.UserVerification = requirements[0]
	}
	if c.ResidentKey == "" {
		c.ResidentKey = residentKeys[0]
	}
}

// Validate adds every problem of c to ps, each with its path below path
// (for example "mfa.webauthn"). Call SetDefaults first.
func (c *Config) Validate(ps *validate.Problems, path string) {
	rpOK := validRPID(c.RPID)
	if !rpOK {
		ps.Add(validate.Join(path, "rp_id"), "must be a host name without scheme, port or path", c.RPID)
	}
	ps.Required(validate.Join(path, "rp_display_name"), c.RPDisplayName)
	if len(c.Origins) == 0 {
		ps.Add(validate.Join(path, "origins"), "must list at least one origin", nil)
	}
	for i, o := range c.Origins {
		p := fmt.Sprintf("%s[%d]", validate.Join(path, "origins"), i)
		host, ok := originHost(o)
		switch {
		case !ok:
			ps.Add(p, "must be an origin: scheme://host[:port] with no path", o)
		case strings.HasPrefix(o, "http://") && !validate.IsLoopback(host):
			ps.Add(p, "must use https (plain http only on loopback)", o)
		case rpOK && host != c.RPID && !strings.HasSuffix(host, "."+c.RPID):
			ps.Add(p, "must be on rp_id "+c.RPID+" or one of its subdomains", o)
		}
	}
	ps.OneOf(validate.Join(path, "user_verification"), c.UserVerification, requirements...)
	ps.OneOf(validate.Join(path, "resident_key"), c.ResidentKey, residentKeys...)
}

// validRPID reports whether s is a bare host name (not an IP address:
// WebAuthn scopes credentials to domains).
func validRPID(s string) bool {
	if s == "" || strings.ContainsAny(s, ":/?#@ ") || net.ParseIP(s) != nil {
		return false
	}
	return strings.Trim(s, ".") == s
}

// originHost returns the host of an http(s) origin with nothing after the
// authority.
func originHost(o string) (string, bool) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	return u.Hostname(), true
}

package mfa

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

// Config is the mfa section of the configuration tree.
type Config struct {
	TOTP     TOTPConfig     `mapstructure:"totp" yaml:"totp"`
	Email    EmailConfig    `mapstructure:"email" yaml:"email"`
	Recovery RecoveryConfig `mapstructure:"recovery" yaml:"recovery"`
	Lockout  LockoutConfig  `mapstructure:"lockout" yaml:"lockout"`
	// ACR is the assurance ladder, lowest level first. Default: the
	// Government of Canada levels described in the package doc.
	ACR []Level `mapstructure:"acr" yaml:"acr"`
}

// TOTPConfig shapes authenticator-app codes (RFC 6238). The algorithm is
// always SHA-1: it is the only one every authenticator app honours, and
// HMAC-SHA-1 is not weakened by SHA-1's collisions.
type TOTPConfig struct {
	// Issuer is the name shown in the person's app: the deployment's
	// name, so the person recognises the entry later; the entry's account
	// name is their masked email address, else their URN
	// (AppAccountName). Default "Passerelle".
	Issuer string `mapstructure:"issuer" yaml:"issuer"`
	// Digits is the code length, 6 (default) or 8.
	Digits int `mapstructure:"digits" yaml:"digits"`
	// Period is the time step, whole seconds from 15s to 2m. Default 30s.
	Period time.Duration `mapstructure:"period" yaml:"period"`
	// Skew is how many steps either side of the current one are accepted,
	// for clocks that drift: 1 (default) or 2.
	Skew int `mapstructure:"skew" yaml:"skew"`
}

// EmailConfig shapes codes sent by email.
type EmailConfig struct {
	// CodeTTL is how long a code is valid: 1m to 1h, default 10m.
	CodeTTL time.Duration `mapstructure:"code_ttl" yaml:"code_ttl"`
	// MaxSendsPerDay caps the codes sent for one account in 24 hours
	// (default 10), so the broker cannot be used to flood a mailbox.
	MaxSendsPerDay int `mapstructure:"max_sends_per_day" yaml:"max_sends_per_day"`
	// MaxSendsPerAddressPerHour caps the codes sent to one address in an
	// hour, whichever accounts asked (default 5).
	MaxSendsPerAddressPerHour int `mapstructure:"max_sends_per_address_per_hour" yaml:"max_sends_per_address_per_hour"`
}

// RecoveryConfig shapes recovery codes.
type RecoveryConfig struct {
	// Count is how many codes a set holds: 5 to 20, default 10.
	Count int `mapstructure:"count" yaml:"count"`
}

// LockoutConfig shapes the Regulator.
type LockoutConfig struct {
	// DelayFrom is the consecutive failure from which a delay applies
	// (default 5).
	DelayFrom int `mapstructure:"delay_from" yaml:"delay_from"`
	// Limit is the consecutive failure that locks the account: default
	// and maximum 100 (NIST SP 800-63B §5.2.2).
	Limit int `mapstructure:"limit" yaml:"limit"`
	// BaseDelay is the delay after the DelayFrom-th failure (default 1s);
	// it doubles with each further failure.
	BaseDelay time.Duration `mapstructure:"base_delay" yaml:"base_delay"`
	// MaxDelay caps the delay (default 30s).
	MaxDelay time.Duration `mapstructure:"max_delay" yaml:"max_delay"`
}

// Level is one rung of the assurance ladder: an acr value and the factor
// kinds whose use reaches it. A level without factors is reached by the
// upstream credential alone.
type Level struct {
	Value   string   `mapstructure:"value" yaml:"value"`
	Factors []string `mapstructure:"factors" yaml:"factors"`
}

// The default acr values (Government of Canada vocabulary).
const (
	LOA1 = "urn:gc-ca:cyber-auth:assurance:loa1"
	LOA2 = "urn:gc-ca:cyber-auth:assurance:loa2"
	LOA3 = "urn:gc-ca:cyber-auth:assurance:loa3"
	LOA4 = "urn:gc-ca:cyber-auth:assurance:loa4"
)

// MaxLockoutLimit is the highest failure limit allowed (NIST SP 800-63B).
const MaxLockoutLimit = 100

// DefaultLadder returns the default levels, lowest first: loa1 with no
// factor, loa2 for an email or recovery code, loa3 for TOTP, loa4 for a
// security key. A new factor kind takes its rung here; the kinds it lists
// are the ones a configured ladder may name (FactorKinds).
func DefaultLadder() []Level {
	return []Level{
		{Value: LOA1},
		{Value: LOA2, Factors: []string{store.FactorEmail, store.FactorRecovery}},
		{Value: LOA3, Factors: []string{store.FactorTOTP}},
		{Value: LOA4, Factors: []string{store.FactorWebAuthn}},
	}
}

// FactorKinds are the factor kinds a ladder may name: those of the
// default ladder, sorted.
func FactorKinds() []string {
	var out []string
	for _, lv := range DefaultLadder() {
		out = append(out, lv.Factors...)
	}
	slices.Sort(out)
	return out
}

// SetDefaults fills every unset value.
func (c *Config) SetDefaults() {
	c.TOTP.SetDefaults()
	c.Email.SetDefaults()
	if c.Recovery.Count == 0 {
		c.Recovery.Count = 10
	}
	c.Lockout.SetDefaults()
	if len(c.ACR) == 0 {
		c.ACR = DefaultLadder()
	}
}

// SetDefaults fills every unset TOTP value.
func (c *TOTPConfig) SetDefaults() {
	if c.Issuer == "" {
		c.Issuer = "Passerelle"
	}
	setInt(&c.Digits, 6)
	setDuration(&c.Period, 30*time.Second)
	setInt(&c.Skew, 1)
}

// SetDefaults fills every unset email value.
func (c *EmailConfig) SetDefaults() {
	setDuration(&c.CodeTTL, 10*time.Minute)
	setInt(&c.MaxSendsPerDay, 10)
	setInt(&c.MaxSendsPerAddressPerHour, 5)
}

// SetDefaults fills every unset lockout value.
func (c *LockoutConfig) SetDefaults() {
	setInt(&c.DelayFrom, 5)
	setInt(&c.Limit, MaxLockoutLimit)
	setDuration(&c.BaseDelay, time.Second)
	setDuration(&c.MaxDelay, 30*time.Second)
}

func setInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func setDuration(p *time.Duration, v time.Duration) {
	if *p == 0 {
		*p = v
	}
}

// Validate adds every problem of c to ps, each with its path below path
// (for example "mfa"). Call SetDefaults first.
func (c *Config) Validate(ps *validate.Problems, path string) {
	p := func(key string) string { return validate.Join(path, key) }

	if strings.TrimSpace(c.TOTP.Issuer) == "" || strings.Contains(c.TOTP.Issuer, ":") {
		ps.Add(p("totp.issuer"), "must be a non-empty name without a colon", c.TOTP.Issuer)
	}
	if c.TOTP.Digits != 6 && c.TOTP.Digits != 8 {
		ps.Add(p("totp.digits"), "must be 6 or 8", c.TOTP.Digits)
	}
	switch {
	case c.TOTP.Period < 15*time.Second:
		ps.Add(p("totp.period"), "must be at least 15s", c.TOTP.Period)
	case c.TOTP.Period > 2*time.Minute:
		ps.Add(p("totp.period"), "must be at most 2m", c.TOTP.Period)
	case c.TOTP.Period%time.Second != 0:
		ps.Add(p("totp.period"), "must be a whole number of seconds", c.TOTP.Period)
	}
	if c.TOTP.Skew < 1 || c.TOTP.Skew > 2 {
		ps.Add(p("totp.skew"), "must be 1 or 2 steps", c.TOTP.Skew)
	}

	if c.Email.CodeTTL < time.Minute || c.Email.CodeTTL > time.Hour {
		ps.Add(p("email.code_ttl"), "must be between 1m and 1h", c.Email.CodeTTL)
	}
	if c.Email.MaxSendsPerDay < 1 {
		ps.Add(p("email.max_sends_per_day"), "must be at least 1", c.Email.MaxSendsPerDay)
	}
	if c.Email.MaxSendsPerAddressPerHour < 1 {
		ps.Add(p("email.max_sends_per_address_per_hour"), "must be at least 1", c.Email.MaxSendsPerAddressPerHour)
	}

	if c.Recovery.Count < 5 || c.Recovery.Count > 20 {
		ps.Add(p("recovery.count"), "must be between 5 and 20", c.Recovery.Count)
	}

	l := c.Lockout
	if l.Limit < 1 || l.Limit > MaxLockoutLimit {
		ps.Add(p("lockout.limit"), fmt.Sprintf("must be between 1 and %d (NIST SP 800-63B)", MaxLockoutLimit), l.Limit)
	}
	if l.DelayFrom < 1 || l.DelayFrom > l.Limit {
		ps.Add(p("lockout.delay_from"), "must be between 1 and lockout.limit", l.DelayFrom)
	}
	if l.BaseDelay <= 0 {
		ps.Add(p("lockout.base_delay"), "must be positive", l.BaseDelay)
	}
	if l.MaxDelay < l.BaseDelay || l.MaxDelay > 10*time.Minute {
		ps.Add(p("lockout.max_delay"), "must be between lockout.base_delay and 10m", l.MaxDelay)
	}

	c.validateLadder(ps, p("acr"))
}

func (c *Config) validateLadder(ps *validate.Problems, path string) {
	if len(c.ACR) == 0 {
		ps.Add(path, "must list at least one level", nil)
		return
	}
	values := map[string]bool{}
	kinds := map[string]string{} // kind → path where first listed
	factorKinds := FactorKinds()
	for i, lv := range c.ACR {
		lp := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case lv.Value == "" || strings.ContainsAny(lv.Value, " \t\r\n"):
			ps.Add(lp+".value", "must be a non-empty acr value without spaces", lv.Value)
		case values[lv.Value]:
			ps.Add(lp+".value", "must not repeat an acr value", lv.Value)
		}
		values[lv.Value] = true
		for j, k := range lv.Factors {
			fp := fmt.Sprintf("%s.factors[%d]", lp, j)
			if !slices.Contains(factorKinds, k) {
				ps.Add(fp, "must be one of "+strings.Join(factorKinds, ", "), k)
				continue
			}
			if first, dup := kinds[k]; dup {
				ps.Add(fp, "must appear in one level only (first listed at "+first+")", k)
				continue
			}
			kinds[k] = fp
		}
	}
}

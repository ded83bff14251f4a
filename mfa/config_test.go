package mfa

import (
	"slices"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

func TestDefaults(t *testing.T) {
	var c Config
	c.SetDefaults()
	if c.TOTP.Issuer != "Passerelle" || c.TOTP.Digits != 6 || c.TOTP.Period != 30*time.Second || c.TOTP.Skew != 1 {
		t.Errorf("totp defaults: %+v", c.TOTP)
	}
	if c.Email.CodeTTL != 10*time.Minute || c.Email.MaxSendsPerDay != 10 || c.Email.MaxSendsPerAddressPerHour != 5 {
		t.Errorf("email defaults: %+v", c.Email)
	}
	if c.Recovery.Count != 10 {
		t.Errorf("recovery count: %d", c.Recovery.Count)
	}
	if l := c.Lockout; l.DelayFrom != 5 || l.Limit != 100 || l.BaseDelay != time.Second || l.MaxDelay != 30*time.Second {
		t.Errorf("lockout defaults: %+v", l)
	}
	if got := c.Ladder().Values(); !slices.Equal(got, []string{LOA1, LOA2, LOA3, LOA4}) {
		t.Errorf("ladder: %v", got)
	}
	var ps validate.Problems
	c.Validate(&ps, "mfa")
	if err := ps.Err(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"short period", func(c *Config) { c.TOTP.Period = 10 * time.Second },
			[]string{`mfa.totp.period: must be at least 15s, got 10s`}},
		{"fractional period", func(c *Config) { c.TOTP.Period = 30500 * time.Millisecond },
			[]string{`mfa.totp.period: must be a whole number of seconds, got 30.5s`}},
		{"digits", func(c *Config) { c.TOTP.Digits = 7 },
			[]string{`mfa.totp.digits: must be 6 or 8, got 7`}},
		{"skew", func(c *Config) { c.TOTP.Skew = 3 },
			[]string{`mfa.totp.skew: must be 1 or 2 steps, got 3`}},
		{"issuer with colon", func(c *Config) { c.TOTP.Issuer = "a:b" },
			[]string{`mfa.totp.issuer: must be a non-empty name without a colon, got "a:b"`}},
		{"limit over 100", func(c *Config) { c.Lockout.Limit = 101 },
			[]string{`mfa.lockout.limit: must be between 1 and 100 (NIST SP 800-63B), got 101`}},
		{"delay after limit", func(c *Config) { c.Lockout.Limit = 3 },
			[]string{`mfa.lockout.delay_from: must be between 1 and lockout.limit, got 5`}},
		{"max delay below base", func(c *Config) { c.Lockout.MaxDelay = 500 * time.Millisecond },
			[]string{`mfa.lockout.max_delay: must be between lockout.base_delay and 10m, got 500ms`}},
		{"code ttl", func(c *Config) { c.Email.CodeTTL = 2 * time.Hour },
			[]string{`mfa.email.code_ttl: must be between 1m and 1h, got 2h0m0s`}},
		{"sends", func(c *Config) { c.Email.MaxSendsPerDay = -1; c.Email.MaxSendsPerAddressPerHour = -2 },
			[]string{`mfa.email.max_sends_per_day: must be at least 1, got -1`,
				`mfa.email.max_sends_per_address_per_hour: must be at least 1, got -2`}},
		{"recovery count", func(c *Config) { c.Recovery.Count = 3 },
			[]string{`mfa.recovery.count: must be between 5 and 20, got 3`}},
		{"unknown kind", func(c *Config) { c.ACR[2].Factors = []string{"sms"} },
			[]string{`mfa.acr[2].factors[0]: must be one of email, recovery, totp, webauthn, got "sms"`}},
		{"duplicate value", func(c *Config) { c.ACR[3].Value = LOA1 },
			[]string{`mfa.acr[3].value: must not repeat an acr value, got "` + LOA1 + `"`}},
		{"kind twice", func(c *Config) { c.ACR[3].Factors = append(c.ACR[3].Factors, store.FactorEmail) },
			[]string{`mfa.acr[3].factors[1]: must appear in one level only (first listed at mfa.acr[1].factors[0]), got "email"`}},
		{"value with space", func(c *Config) { c.ACR[0].Value = "a b" },
			[]string{`mfa.acr[0].value: must be a non-empty acr value without spaces, got "a b"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			c.SetDefaults()
			tc.change(&c)
			var ps validate.Problems
			c.Validate(&ps, "mfa")
			var got []string
			for _, p := range ps.List() {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestValidateEmptyLadder(t *testing.T) {
	c := Config{ACR: []Level{}}
	c.SetDefaults() // an empty list takes the default ladder
	c.ACR = nil
	var ps validate.Problems
	c.validateLadder(&ps, "acr")
	if got := ps.List(); len(got) != 1 || got[0].String() != "acr: must list at least one level" {
		t.Errorf("problems: %v", got)
	}
}

// TestAppAccountName: the authenticator app's entry is named with the
// masked email address when the account has one, else its URN, never
// a bare number nor the full address.
func TestAppAccountName(t *testing.T) {
	for _, tc := range []struct {
		acct store.Account
		want string
	}{
		{store.Account{URN: "123456789", Email: "alex.martin@example.ca"}, "a•••@example.ca"},
		{store.Account{URN: "123456789"}, "URN 123456789"},
	} {
		if got := AppAccountName(tc.acct); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.acct, got, tc.want)
		}
	}
}

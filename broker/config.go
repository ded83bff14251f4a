package broker

import (
	"fmt"
	"time"

	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/broker/steps/terms"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/store"
)

// Config is the broker's part of the configuration tree: how tokens and
// sessions behave, the relying parties, and how providers are grouped on
// the chooser. Server, store, keys, providers and ui sections belong to
// their own packages and are assembled by cmd/passerelle.
type Config struct {
	Tokens   TokensConfig   `mapstructure:"tokens" yaml:"tokens"`
	Sessions SessionsConfig `mapstructure:"sessions" yaml:"sessions"`
	Groups   []GroupConfig  `mapstructure:"groups" yaml:"groups"`
	Clients  []ClientConfig `mapstructure:"clients" yaml:"clients"`
	Keys     KeysConfig     `mapstructure:"keys" yaml:"keys"`
	MFA      mfa.Config     `mapstructure:"mfa" yaml:"mfa"`
	Accounts AccountsConfig `mapstructure:"accounts" yaml:"accounts"`
}

// AccountsConfig is what the deployment says of accounts' lives.
type AccountsConfig struct {
	// DormantAfter: an account unused this long becomes dormant
	// (broker/dormancy) until an administrator reactivates it; zero, the
	// default, never. The trusted-trader portal's is two years (17520h).
	DormantAfter time.Duration `mapstructure:"dormant_after" yaml:"dormant_after"`
	// Contact is whom a person contacts for help with their account, in
	// English and French: shown on the dormant-account page and in
	// security notices. Required with dormant_after.
	Contact map[string]string `mapstructure:"contact" yaml:"contact"`
}

// validate adds the problems of the accounts section.
func (c *AccountsConfig) validate(ps *validate.Problems) {
	if c.DormantAfter != 0 && c.DormantAfter < 24*time.Hour {
		ps.Add("accounts.dormant_after", "must be at least 24h, or 0 for never (write days as hours: two years is 17520h)", c.DormantAfter.String())
	}
	if c.DormantAfter != 0 || len(c.Contact) > 0 {
		checkNames(ps, "accounts.contact", c.Contact)
	}
}

// TokensConfig sets lifetimes. Defaults follow Keycloak's: short access
// tokens, codes valid one minute, refresh families bounded.
type TokensConfig struct {
	AccessToken  time.Duration `mapstructure:"access_token" yaml:"access_token"`   // default 5m
	IDToken      time.Duration `mapstructure:"id_token" yaml:"id_token"`           // default 5m
	RefreshToken time.Duration `mapstructure:"refresh_token" yaml:"refresh_token"` // family lifetime, default 8h
	Code         time.Duration `mapstructure:"code" yaml:"code"`                   // default 1m
	AuthRequest  time.Duration `mapstructure:"auth_request" yaml:"auth_request"`   // time to finish a sign-in, default 30m
}

// SessionsConfig bounds the single sign-on session.
type SessionsConfig struct {
	Idle     time.Duration `mapstructure:"idle" yaml:"idle"`         // default 30m
	Absolute time.Duration `mapstructure:"absolute" yaml:"absolute"` // default 12h
}

// KeysConfig is the signing-key policy. The master key that seals them is
// read by cmd/passerelle.
type KeysConfig struct {
	MasterKey     string `mapstructure:"master_key" yaml:"master_key"`
	MasterKeyFile string `mapstructure:"master_key_file" yaml:"master_key_file"`
	// PublishAhead is how long a rotated-in key is published before it
	// signs anything, so relying parties that cache JWKS see it first.
	PublishAhead time.Duration `mapstructure:"publish_ahead" yaml:"publish_ahead"` // default 10m
}

// GroupConfig is a chooser entry that opens a list of providers (the
// Sign-In Partner list of banks).
type GroupConfig struct {
	ID   string            `mapstructure:"id" yaml:"id"`
	Name map[string]string `mapstructure:"name" yaml:"name"`
	// Description is the sentence under the group's choice on the
	// chooser, en and fr (optional).
	Description map[string]string `mapstructure:"description" yaml:"description"`
}

// ClientConfig is a relying party declared in the configuration file:
// the one client model, store.Client (its fields sit directly under
// clients[]), and the settings of the client's steps that only a
// configuration file can give (operator files).
type ClientConfig struct {
	store.Client `mapstructure:",squash" yaml:",inline"`
	// Terms is the text of the "terms" step.
	Terms *terms.Config `mapstructure:"terms" yaml:"terms"`
	// Legacy are the settings of the "legacy" step (optional).
	Legacy *legacy.Config `mapstructure:"legacy" yaml:"legacy"`
	// Records are the settings of the "record" step: the attributes
	// asked and the fallbacks.
	Records *record.Config `mapstructure:"records" yaml:"records"`
}

// ClientFactors are the factor kinds a client's mfa.factors may name:
// every kind of the registry list (factors.go) but the fallback.
var ClientFactors = policyKinds()

// ClientRules are the deployment's rules for clients: providerIDs are the
// configured upstreams; the ladder, factors, releasable claims and step
// names are the broker's. The admin API checks the clients it stores
// with the same rules.
func (c *Config) ClientRules(providerIDs []string) store.ClientRules {
	ladder := c.MFA.Ladder()
	return store.ClientRules{Providers: providerIDs, Claims: providers.ReleasableClaims, Factors: ClientFactors,
		ACRs: ladder.Values(), MinACR: ladder.Lowest(), Steps: stepNames}
}

// SetDefaults fills unset values.
func (c *Config) SetDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Tokens.AccessToken, 5*time.Minute)
	def(&c.Tokens.IDToken, 5*time.Minute)
	def(&c.Tokens.RefreshToken, 8*time.Hour)
	def(&c.Tokens.Code, time.Minute)
	def(&c.Tokens.AuthRequest, 30*time.Minute)
	def(&c.Sessions.Idle, 30*time.Minute)
	def(&c.Sessions.Absolute, 12*time.Hour)
	def(&c.Keys.PublishAhead, 10*time.Minute)
	c.MFA.SetDefaults()
	for i := range c.Clients {
		if o := c.Clients[i].Organizations; o != nil {
			o.SetDefaults()
		}
	}
}

// Validate adds every problem of the broker section. providerIDs are the
// configured provider IDs, so clients and groups can be checked against
// them.
func (c *Config) Validate(ps *validate.Problems, providerIDs []string) {
	pos := func(path string, d time.Duration, min time.Duration) {
		if d < min {
			ps.Add(path, "must be at least "+min.String(), d.String())
		}
	}
	pos("tokens.access_token", c.Tokens.AccessToken, time.Minute)
	pos("tokens.id_token", c.Tokens.IDToken, time.Minute)
	pos("tokens.refresh_token", c.Tokens.RefreshToken, c.Tokens.AccessToken)
	pos("tokens.code", c.Tokens.Code, 10*time.Second)
	if c.Tokens.Code > store.MaxCodeLifetime {
		ps.Add("tokens.code", "must be at most 10m (RFC 6749 §4.1.2)", c.Tokens.Code.String())
	}
	pos("tokens.auth_request", c.Tokens.AuthRequest, time.Minute)
	pos("sessions.idle", c.Sessions.Idle, time.Minute)
	pos("sessions.absolute", c.Sessions.Absolute, c.Sessions.Idle)
	pos("keys.publish_ahead", c.Keys.PublishAhead, 0)

	c.MFA.Validate(ps, "mfa")
	c.Accounts.validate(ps)
	for i, g := range c.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		ps.Required(p+".id", g.ID)
		checkNames(ps, p+".name", g.Name)
		ps.Bilingual(p+".description", g.Description)
	}
	rules := c.ClientRules(providerIDs)
	seen := map[string]bool{}
	for i := range c.Clients {
		p := fmt.Sprintf("clients[%d]", i)
		cl := &c.Clients[i]
		if seen[cl.ID] && cl.ID != "" {
			ps.Add(p+".id", "must be unique", cl.ID)
		}
		seen[cl.ID] = true
		cl.Client.Validate(ps, p, rules)
		cl.ValidateSteps(ps, p)
	}
}

func checkNames(ps *validate.Problems, path string, names map[string]string) {
	for _, l := range []string{"en", "fr"} {
		if names[l] == "" {
			ps.Add(path+"."+l, "is required (every name exists in English and French)", nil)
		}
	}
}

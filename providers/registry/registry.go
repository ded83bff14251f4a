package registry

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/oidc"
)

// Config is one entry of the `providers` list.
type Config struct {
	ID   string            `mapstructure:"id" yaml:"id"`
	Type string            `mapstructure:"type" yaml:"type"`
	Name map[string]string `mapstructure:"name" yaml:"name"` // en and fr
	// Group puts the provider in a chooser group (e.g. the Sign-In Partner
	// list of banks); it names an entry of `groups`.
	Group string `mapstructure:"group" yaml:"group"`
	// ReleaseClaims are the claims this provider gives that may reach a
	// relying party (email, name, locale), each only to the clients whose
	// upstream_claims name it too. Empty (the default): none, so a
	// Sign-In Partner shares nothing with the relying party.
	ReleaseClaims []string    `mapstructure:"release_claims" yaml:"release_claims"`
	OIDC          oidc.Config `mapstructure:"oidc" yaml:"oidc"`
}

// Opened is a provider ready for the broker.
type Opened struct {
	ID    string
	Name  map[string]string
	Group string
	// ReleaseClaims is Config.ReleaseClaims.
	ReleaseClaims []string
	Provider      providers.CallbackProvider
}

type opener struct {
	validate func(c *Config, ps *validate.Problems, path string)
	open     func(c Config, client *http.Client, logger *slog.Logger) (providers.CallbackProvider, error)
}

// types is the registry.
var types = map[string]opener{
	"oidc": {
		validate: func(c *Config, ps *validate.Problems, path string) { c.OIDC.Validate(ps, path+".oidc") },
		open: func(c Config, client *http.Client, logger *slog.Logger) (providers.CallbackProvider, error) {
			return oidc.Open(c.ID, c.OIDC, client, logger)
		},
	},
}

// Validate adds every problem of the providers list; groups are the
// configured group IDs.
func Validate(cfgs []Config, groups []string, ps *validate.Problems) {
	seen := map[string]bool{}
	known := map[string]bool{}
	for _, g := range groups {
		known[g] = true
	}
	for i := range cfgs {
		c := &cfgs[i]
		p := fmt.Sprintf("providers[%d]", i)
		if c.ID == "" {
			ps.Add(p+".id", "is required", nil)
		} else if seen[c.ID] {
			ps.Add(p+".id", "must be unique", c.ID)
		}
		seen[c.ID] = true
		for _, l := range []string{"en", "fr"} {
			if c.Name[l] == "" {
				ps.Add(p+".name."+l, "is required (every name exists in English and French)", nil)
			}
		}
		if c.Group != "" && !known[c.Group] {
			ps.Add(p+".group", "must name an entry of groups", c.Group)
		}
		for j, claim := range c.ReleaseClaims {
			ps.OneOf(fmt.Sprintf("%s.release_claims[%d]", p, j), claim, providers.ReleasableClaims...)
		}
		t, ok := types[c.Type]
		if !ok {
			ps.Add(p+".type", "must be one of: oidc", c.Type)
			continue
		}
		t.validate(c, ps, p)
	}
}

// Open opens every configured provider.
func Open(cfgs []Config, client *http.Client, logger *slog.Logger) ([]Opened, error) {
	out := make([]Opened, 0, len(cfgs))
	for _, c := range cfgs {
		t, ok := types[c.Type]
		if !ok {
			return nil, fmt.Errorf("provider %s: unknown type %q", c.ID, c.Type)
		}
		p, err := t.open(c, client, logger) // the provider adds its own "provider" attribute
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", c.ID, err)
		}
		out = append(out, Opened{ID: c.ID, Name: c.Name, Group: c.Group, ReleaseClaims: c.ReleaseClaims, Provider: p})
	}
	return out, nil
}

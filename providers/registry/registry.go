package registry

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"

	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/providers"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/providers/saml"
)

// types is the registry: one line per provider type. The key is both the
// `type` value and the name of the entry's section that configures it.
var types = map[string]Type{
	"oidc": Protocol(func(id string, c *oidc.Config, env Env) (providers.Provider, error) {
		return oidc.Open(id, *c, env.HTTPClient, env.Logger)
	}),
	"saml": Protocol(func(id string, c *saml.Config, env Env) (providers.Provider, error) {
		return saml.Open(id, *c, saml.Options{Client: env.HTTPClient, Logger: env.Logger})
	}),
}

// Config is one entry of the `providers` list: what every provider has,
// and a section per protocol (`oidc:`, ...), of which the one named by
// Type configures the provider.
type Config struct {
	ID   string            `mapstructure:"id" yaml:"id"`
	Type string            `mapstructure:"type" yaml:"type"`
	Name map[string]string `mapstructure:"name" yaml:"name"` // en and fr
	// Group puts the provider in a chooser group (e.g. the Sign-In Partner
	// list of banks); it names an entry of `groups`.
	Group string `mapstructure:"group" yaml:"group"`
	// Description is the sentence under the provider's choice on the
	// chooser (or the bank list), en and fr; optional.
	Description map[string]string `mapstructure:"description" yaml:"description"`
	// Logo is an image of the static assets (a path under /static/, from
	// the embedded assets or ui.theme_dir: banks/maple.svg) shown on the
	// provider's choice; optional. The cmd configuration checks that it
	// exists (ui.Config.ValidateLogo).
	Logo string `mapstructure:"logo" yaml:"logo"`
	// ReleaseClaims are the claims this provider gives that may reach a
	// relying party (email, name, locale), each only to the clients whose
	// upstream_claims name it too. Empty (the default): none, so a
	// Sign-In Partner shares nothing with the relying party.
	ReleaseClaims []string `mapstructure:"release_claims" yaml:"release_claims"`
	// RefreshClaims: at each sign-in with this provider, the email and
	// name it gives replace the account's (Keycloak's "force" sync
	// mode), and the change is audited. Off by default: the values of
	// the first sign-in stay. Never used to find or link an account.
	RefreshClaims bool `mapstructure:"refresh_claims" yaml:"refresh_claims"`
	// Sections are the entry's other keys, each a protocol's section by
	// its type name: the raw map a configuration file gives, or the
	// section's Go value (an oidc.Config) when built in code. Validate
	// decodes the one of Type strictly and refuses any other.
	Sections map[string]any `mapstructure:",remain" yaml:",inline"`

	section any // the decoded section of Type, set by Validate
}

// Env is what opening a provider may use besides its section.
type Env struct {
	HTTPClient *http.Client // carries every upstream request
	Logger     *slog.Logger
}

// Type is one provider type of the registry: how to decode and check its
// section and how to open a provider from it.
type Type struct {
	decode func(raw any, ps *validate.Problems, path string) any
	open   func(id string, section any, env Env) (providers.Provider, error)
}

// section is what a protocol's configuration section must offer.
type section[C any] interface {
	*C
	Validate(ps *validate.Problems, path string)
}

// Protocol makes the registry entry of a protocol whose section is a C
// (decoded like the rest of the file: unknown keys are problems, with
// their path) and whose providers open is.
func Protocol[C any, P section[C]](open func(id string, c P, env Env) (providers.Provider, error)) Type {
	return Type{
		decode: func(raw any, ps *validate.Problems, path string) any {
			c := P(new(C))
			switch v := raw.(type) {
			case C:
				*c = v
			case P:
				*c = *v
			case nil:
			default:
				if !decodeStrict(raw, c, ps, path) {
					return nil
				}
			}
			c.Validate(ps, path)
			return c
		},
		open: func(id string, s any, env Env) (providers.Provider, error) { return open(id, s.(P), env) },
	}
}

// decodeStrict decodes a section from the file into out as the rest of
// the configuration is decoded (durations and lists from strings), and
// adds a problem for every key out does not declare. It returns false
// when the section could not be decoded at all.
func decodeStrict(raw, out any, ps *validate.Problems, path string) bool {
	var md mapstructure.Metadata
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result: out, Metadata: &md, WeaklyTypedInput: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(), mapstructure.StringToSliceHookFunc(",")),
	})
	if err == nil {
		err = d.Decode(raw)
	}
	if err != nil {
		ps.Add(path, "must match the section's schema: "+err.Error(), nil)
		return false
	}
	slices.Sort(md.Unused)
	for _, k := range md.Unused {
		ps.Add(path+"."+k, "is not a known key", nil)
	}
	return true // the known keys are checked too, so every problem is listed
}

// Section is the entry's decoded section (an *oidc.Config for type oidc);
// nil before Validate or when the section could not be decoded.
func (c Config) Section() any { return c.section }

// ACRMapper is implemented by a section that maps upstream assurance
// values to Passerelle's acr values (oidc's acr_map), so the
// configuration can check the targets against the mfa.acr ladder.
type ACRMapper interface {
	// ACRMapping returns the key of the map in the section and the map.
	ACRMapping() (key string, m map[string]string)
}

// ACRMapping is the acr mapping of the entry's section: its path under
// the entry ("oidc.acr_map") and the map; none before Validate, or when
// the section maps nothing.
func (c Config) ACRMapping() (path string, m map[string]string) {
	am, ok := c.section.(ACRMapper)
	if !ok {
		return "", nil
	}
	key, m := am.ACRMapping()
	return c.Type + "." + key, m
}

// Opened is a provider ready for the broker.
type Opened struct {
	ID    string
	Name  map[string]string
	Group string
	// Description and Logo are Config's: how the chooser shows it.
	Description map[string]string
	Logo        string
	// ReleaseClaims and RefreshClaims are Config's.
	ReleaseClaims []string
	RefreshClaims bool
	Provider      providers.Provider
}

// typeNames lists the registered types, for messages.
func typeNames() string {
	return strings.Join(slices.Sorted(maps.Keys(types)), ", ")
}

// Validate adds every problem of the providers list; groups are the
// configured group IDs. It decodes each entry's section for Open.
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
		ps.Bilingual(p+".description", c.Description)
		if c.Group != "" && !known[c.Group] {
			ps.Add(p+".group", "must name an entry of groups", c.Group)
		}
		for j, claim := range c.ReleaseClaims {
			ps.OneOf(fmt.Sprintf("%s.release_claims[%d]", p, j), claim, providers.ReleasableClaims...)
		}
		for _, k := range slices.Sorted(maps.Keys(c.Sections)) {
			if k != c.Type {
				if _, isType := types[k]; isType {
					ps.Add(p+"."+k, "is the section of type "+k+", not of this entry's type", c.Type)
				} else {
					ps.Add(p+"."+k, "is not a known key", nil)
				}
			}
		}
		t, ok := types[c.Type]
		if !ok {
			ps.Add(p+".type", "must be one of: "+typeNames(), c.Type)
			continue
		}
		c.section = t.decode(c.Sections[c.Type], ps, p+"."+c.Type)
	}
}

// Open opens every configured provider. The list must have been
// validated (Validate decodes the sections); an entry that was not is
// decoded here, and its problems are Open's error.
func Open(cfgs []Config, client *http.Client, logger *slog.Logger) ([]Opened, error) {
	env := Env{HTTPClient: client, Logger: logger}
	out := make([]Opened, 0, len(cfgs))
	for _, c := range cfgs {
		t, ok := types[c.Type]
		if !ok {
			return nil, fmt.Errorf("provider %s: unknown type %q", c.ID, c.Type)
		}
		s := c.section
		if s == nil {
			var ps validate.Problems
			if s = t.decode(c.Sections[c.Type], &ps, "providers."+c.ID+"."+c.Type); ps.Err() != nil {
				return nil, ps.Err()
			}
		}
		p, err := t.open(c.ID, s, env) // the provider adds its own "provider" attribute
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", c.ID, err)
		}
		out = append(out, Opened{ID: c.ID, Name: c.Name, Group: c.Group, Description: c.Description, Logo: c.Logo, ReleaseClaims: c.ReleaseClaims,
			RefreshClaims: c.RefreshClaims, Provider: p})
	}
	return out, nil
}

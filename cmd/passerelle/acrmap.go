package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/passerelle/passerelle/internal/validate"
)

// checkACRMaps checks every provider's acr_map against the ladder: a
// target must be one of mfa.acr's values. It runs after the MFA section
// has its defaults.
func (c *Config) checkACRMaps(ps *validate.Problems) {
	ladder := c.Broker.MFA.Ladder()
	for i, p := range c.Providers {
		path, m := p.ACRMapping()
		for _, from := range slices.Sorted(maps.Keys(m)) {
			if to := m[from]; to != "" && ladder.Rank(to) < 0 {
				ps.Add(fmt.Sprintf("providers[%d].%s.%s", i, path, from), "must name one of the values of mfa.acr", to)
			}
		}
	}
}

// notes are what an operator should know about a valid configuration:
// an acr_map target at or above the level a second factor reaches would,
// on its own, meet a client's requirement; Passerelle lets it raise the
// level only together with a second factor, never replace one.
func (c *Config) notes() []string {
	ladder := c.Broker.MFA.Ladder()
	low := ladder.Rank(ladder.Lowest())
	var out []string
	for i, p := range c.Providers {
		path, m := p.ACRMapping()
		for _, from := range slices.Sorted(maps.Keys(m)) {
			if to := m[from]; ladder.Rank(to) >= low {
				out = append(out, fmt.Sprintf("providers[%d].%s.%s: %q raises the level only together with a second factor; it never replaces one",
					i, path, from, to))
			}
		}
	}
	return out
}

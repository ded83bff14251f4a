package legacy

import (
	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/internal/validate"
)

// DefaultClaim is the claim that carries the legacy ID.
const DefaultClaim = "legacy_id"

// Config is a client's settings of the legacy step (clients[].legacy).
type Config struct {
	// Claim names the claim that carries the legacy ID (default
	// legacy_id).
	Claim string `mapstructure:"claim" yaml:"claim"`
}

// ClaimName is the claim of c (nil: the default).
func (c *Config) ClaimName() string {
	if c == nil || c.Claim == "" {
		return DefaultClaim
	}
	return c.Claim
}

// Validate lists the problems of c under path.
func (c *Config) Validate(ps *validate.Problems, path string) {
	journey.CheckClaimName(ps, path+".claim", c.Claim)
}

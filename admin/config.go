package admin

import (
	"fmt"
	"os"
	"strings"

	"github.com/passerelle/passerelle/internal/validate"
)

// MinTokenLength is the shortest bearer token accepted: 32 characters,
// at least 128 bits for any token drawn from a base64 or hex alphabet.
const MinTokenLength = 32

// Config is the admin section of the configuration. The HTTP API is off
// while neither Token nor TokenFile is set.
type Config struct {
	// Token is the bearer token of the admin API (or PASSERELLE_ADMIN_TOKEN).
	Token string `mapstructure:"token" yaml:"token"`
	// TokenFile holds the token instead, for secrets mounted as files.
	TokenFile string `mapstructure:"token_file" yaml:"token_file"`
}

// Validate adds the problems of the section found at path. The token file
// is read by ResolveToken at start-up, not here: it may exist only on the
// machine that serves.
func (c *Config) Validate(ps *validate.Problems, path string) {
	if c.Token != "" && c.TokenFile != "" {
		ps.Add(path+".token_file", "set token or token_file, not both", nil)
	}
	if c.Token != "" && len(strings.TrimSpace(c.Token)) < MinTokenLength {
		ps.Add(path+".token", fmt.Sprintf("must be at least %d characters (generate one with: head -c 32 /dev/urandom | base64)", MinTokenLength), validate.Secret)
	}
}

// Enabled reports whether the admin API is to be served.
func (c *Config) Enabled() bool { return c.Token != "" || c.TokenFile != "" }

// ResolveToken returns the bearer token: Token, else the content of
// TokenFile with surrounding white space trimmed. It is "" when the API is
// off, and an error when the file cannot be read or holds a short token.
func (c *Config) ResolveToken() (string, error) {
	tok := strings.TrimSpace(c.Token)
	if tok == "" && c.TokenFile != "" {
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return "", fmt.Errorf("admin: read token_file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("admin: token_file %s is empty", c.TokenFile)
		}
	}
	if tok != "" && len(tok) < MinTokenLength {
		return "", fmt.Errorf("admin: the token must be at least %d characters", MinTokenLength)
	}
	return tok, nil
}

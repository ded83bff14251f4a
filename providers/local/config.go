package local

import (
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle/internal/validate"
)

// Config is the built-in credential service's section of the
// configuration file.
type Config struct {
	// ID is the provider ID on the chooser and in links, e.g. "gckey".
	ID string `mapstructure:"id" yaml:"id"`
	// Name is the service's name on the chooser, by language (en and fr).
	Name map[string]string `mapstructure:"name" yaml:"name"`
	// Description is the sentence under its choice on the chooser, by
	// language (en and fr; optional).
	Description map[string]string `mapstructure:"description" yaml:"description"`
	Password    PasswordConfig    `mapstructure:"password" yaml:"password"`
	Argon2      Argon2Config      `mapstructure:"argon2" yaml:"argon2"`
	// ConfirmWithin is how long an unconfirmed registration holds its
	// username and email: 10m to 30 days, default 24h.
	ConfirmWithin time.Duration `mapstructure:"confirm_within" yaml:"confirm_within"`
}

// PasswordConfig shapes the password rules (NIST SP 800-63B: length and
// a blocklist, no composition rules).
type PasswordConfig struct {
	// MinLength in characters (code points): at least 8, default 12.
	MinLength int `mapstructure:"min_length" yaml:"min_length"`
	// MaxLength in characters: 64 to 256, default 128, at least MinLength.
	MaxLength int `mapstructure:"max_length" yaml:"max_length"`
	// Forbidden lists characters a password may not contain, for services
	// that must refuse some (the customs portal's list is
	// `"<>¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶•¸¹º»¼½¾Ð×ØÞßðøþ`). Default: none.
	Forbidden string `mapstructure:"forbidden" yaml:"forbidden"`
}

// Argon2Config is the cost of argon2id. Changing it rehashes each
// password at its owner's next sign-in.
type Argon2Config struct {
	// Time is the number of passes: default 2.
	Time uint32 `mapstructure:"time" yaml:"time"`
	// MemoryKiB is the memory per hash: default 19456 (19 MiB).
	MemoryKiB uint32 `mapstructure:"memory_kib" yaml:"memory_kib"`
	// Threads is the parallelism: default 1.
	Threads uint8 `mapstructure:"threads" yaml:"threads"`
}

// OWASP's argon2id settings trade memory for passes (m=47104 t=1 …
// m=7168 t=5): Validate accepts any with at least their memory floor and
// their memory × passes.
const (
	minArgon2MemoryKiB = 7168
	minArgon2Work      = 7168 * 5
)

// SetDefaults fills every unset value.
func (c *Config) SetDefaults() {
	if c.Password.MinLength == 0 {
		c.Password.MinLength = 12
	}
	if c.Password.MaxLength == 0 {
		c.Password.MaxLength = 128
	}
	if c.Argon2.Time == 0 {
		c.Argon2.Time = 2
	}
	if c.Argon2.MemoryKiB == 0 {
		c.Argon2.MemoryKiB = 19456
	}
	if c.Argon2.Threads == 0 {
		c.Argon2.Threads = 1
	}
	if c.ConfirmWithin == 0 {
		c.ConfirmWithin = 24 * time.Hour
	}
}

// Validate adds every problem of c to ps, each under path (the dotted
// path of this section). Call SetDefaults first.
func (c *Config) Validate(ps *validate.Problems, path string) {
	p := func(field string) string { return path + "." + field }
	ps.Required(p("id"), c.ID)
	for _, lang := range []string{"en", "fr"} {
		ps.Required(p("name."+lang), c.Name[lang])
	}
	ps.Bilingual(p("description"), c.Description)
	pw := c.Password
	if pw.MinLength < 8 {
		ps.Add(p("password.min_length"), "must be at least 8 (NIST SP 800-63B)", pw.MinLength)
	}
	if pw.MaxLength < 64 || pw.MaxLength > 256 {
		ps.Add(p("password.max_length"), "must be between 64 and 256", pw.MaxLength)
	}
	if pw.MaxLength < pw.MinLength {
		ps.Add(p("password.max_length"), "must be at least password.min_length", pw.MaxLength)
	}
	if !utf8.ValidString(pw.Forbidden) {
		ps.Add(p("password.forbidden"), "must be valid UTF-8", nil)
	}
	a := c.Argon2
	if a.Time < 1 || a.Threads < 1 || a.MemoryKiB < minArgon2MemoryKiB || uint64(a.MemoryKiB)*uint64(a.Time) < minArgon2Work {
		ps.Add(p("argon2"), "must be at least one of OWASP's argon2id settings (memory_kib 7168 or more, memory_kib × time 35840 or more, threads 1 or more)",
			[3]uint64{uint64(a.MemoryKiB), uint64(a.Time), uint64(a.Threads)})
	}
	if c.ConfirmWithin < 10*time.Minute || c.ConfirmWithin > 30*24*time.Hour {
		ps.Add(p("confirm_within"), "must be between 10m and 720h", c.ConfirmWithin)
	}
}

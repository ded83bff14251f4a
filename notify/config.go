package notify

import (
	"crypto/x509"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// Config is the notify section of the configuration tree.
type Config struct {
	SMTP SMTPConfig `mapstructure:"smtp" yaml:"smtp"`
}

// STARTTLS policies.
const (
	// StartTLSMandatory refuses to send unless the server upgrades the
	// connection with STARTTLS (RFC 3207). The default.
	StartTLSMandatory = "mandatory"
	// StartTLSOpportunistic upgrades when the server offers STARTTLS and
	// sends in the clear otherwise.
	StartTLSOpportunistic = "opportunistic"
	// StartTLSNone never upgrades; allowed only for a relay on loopback.
	StartTLSNone = "none"
)

// SMTPConfig is how to reach the mail relay. An empty Host means no relay
// is configured.
type SMTPConfig struct {
	Host string `mapstructure:"host" yaml:"host"`
	// Port defaults to 587 (message submission, RFC 6409).
	Port     int    `mapstructure:"port" yaml:"port"`
	Username string `mapstructure:"username" yaml:"username"`
	Password string `mapstructure:"password" yaml:"password"`
	// From is the sender address, e.g. "Passerelle <no-reply@example.gc.ca>".
	From string `mapstructure:"from" yaml:"from"`
	// StartTLS is mandatory (default), opportunistic, or none (loopback
	// only).
	StartTLS string `mapstructure:"starttls" yaml:"starttls"`
	// Timeout bounds connecting and each exchange with the relay (default
	// 10s).
	Timeout time.Duration `mapstructure:"timeout" yaml:"timeout"`
	// CAFile is a PEM file of certificate authorities to trust for the
	// relay instead of the system's, for a relay with a private CA.
	CAFile string `mapstructure:"ca_file" yaml:"ca_file"`
	// RootCAs, when set, are trusted for the relay instead of CAFile and
	// the system's. Code sets it (tests); configuration files cannot.
	RootCAs *x509.CertPool `mapstructure:"-" yaml:"-"`
}

// SetDefaults fills unset values when a relay is configured.
func (c *Config) SetDefaults() {
	s := &c.SMTP
	if s.Host == "" {
		return
	}
	if s.Port == 0 {
		s.Port = 587
	}
	if s.StartTLS == "" {
		s.StartTLS = StartTLSMandatory
	}
	if s.Timeout == 0 {
		s.Timeout = 10 * time.Second
	}
}

// Validate adds every problem of c to ps, each with its path below path
// (for example "notify"). Call SetDefaults first. An empty smtp.host is
// not a problem here: whoever needs a relay reports its absence.
func (c *Config) Validate(ps *validate.Problems, path string) {
	c.SMTP.Validate(ps, validate.Join(path, "smtp"))
}

// Validate adds every problem of c to ps, each with its path below path.
func (c *SMTPConfig) Validate(ps *validate.Problems, path string) {
	if c.Host == "" {
		return
	}
	p := func(key string) string { return validate.Join(path, key) }
	if strings.ContainsAny(c.Host, " /:") {
		ps.Add(p("host"), "must be a host name or IP address without a port", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		ps.Add(p("port"), "must be between 1 and 65535", c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		ps.Add(p("from"), "must be an email address, optionally with a name", c.From)
	}
	ps.OneOf(p("starttls"), c.StartTLS, StartTLSMandatory, StartTLSOpportunistic, StartTLSNone)
	if c.StartTLS == StartTLSNone && !validate.IsLoopback(c.Host) {
		ps.Add(p("starttls"), "may be none only for a relay on loopback", c.StartTLS)
	}
	if c.Timeout < time.Second {
		ps.Add(p("timeout"), "must be at least 1s", c.Timeout)
	}
	if c.Username != "" && c.Password == "" {
		ps.Add(p("password"), "is required with a username", nil)
	}
	if c.Password != "" && c.Username == "" {
		ps.Add(p("username"), "is required with a password", nil)
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			ps.Add(p("ca_file"), "must be a readable file", c.CAFile)
		}
	}
}

package notify

import (
	"slices"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{SMTP: SMTPConfig{Host: "smtp.example.ca", From: "no-reply@example.ca"}}
	c.SetDefaults()
	if c.SMTP.Port != 587 || c.SMTP.StartTLS != StartTLSMandatory || c.SMTP.Timeout != 10*time.Second {
		t.Errorf("defaults: %+v", c.SMTP)
	}
	var ps validate.Problems
	c.Validate(&ps, "notify")
	if err := ps.Err(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	var empty Config
	empty.SetDefaults()
	empty.Validate(&ps, "notify")
	if err := ps.Err(); err != nil || empty.SMTP.Port != 0 {
		t.Errorf("an unconfigured relay: %v, %+v", err, empty.SMTP)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*SMTPConfig)
		want   []string
	}{
		{"host with port", func(c *SMTPConfig) { c.Host = "smtp.example.ca:25" },
			[]string{`notify.smtp.host: must be a host name or IP address without a port, got "smtp.example.ca:25"`}},
		{"port", func(c *SMTPConfig) { c.Port = 70000 },
			[]string{`notify.smtp.port: must be between 1 and 65535, got 70000`}},
		{"from", func(c *SMTPConfig) { c.From = "nobody" },
			[]string{`notify.smtp.from: must be an email address, optionally with a name, got "nobody"`}},
		{"policy", func(c *SMTPConfig) { c.StartTLS = "always" },
			[]string{`notify.smtp.starttls: must be one of mandatory, opportunistic, none, got "always"`}},
		{"none off loopback", func(c *SMTPConfig) { c.StartTLS = StartTLSNone },
			[]string{`notify.smtp.starttls: may be none only for a relay on loopback, got "none"`}},
		{"timeout", func(c *SMTPConfig) { c.Timeout = 100 * time.Millisecond },
			[]string{`notify.smtp.timeout: must be at least 1s, got 100ms`}},
		{"username without password", func(c *SMTPConfig) { c.Username = "u" },
			[]string{`notify.smtp.password: is required with a username`}},
		{"password without username", func(c *SMTPConfig) { c.Password = "hunter2" },
			[]string{`notify.smtp.username: is required with a password`}},
		{"ca file", func(c *SMTPConfig) { c.CAFile = "/nonexistent/ca.pem" },
			[]string{`notify.smtp.ca_file: must be a readable file, got "/nonexistent/ca.pem"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{SMTP: SMTPConfig{Host: "smtp.example.ca", From: "Passerelle <no-reply@example.ca>"}}
			c.SetDefaults()
			tc.change(&c.SMTP)
			var ps validate.Problems
			c.Validate(&ps, "notify")
			var got []string
			for _, p := range ps.List() {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	c := Config{SMTP: SMTPConfig{Host: "127.0.0.1", From: "a@b.ca", StartTLS: StartTLSNone}}
	c.SetDefaults()
	var ps validate.Problems
	c.Validate(&ps, "notify")
	if err := ps.Err(); err != nil {
		t.Errorf("none on loopback: %v", err)
	}
}

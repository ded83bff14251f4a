package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/wneessen/go-mail"
)

// SMTP sends messages through a mail relay, one connection per message.
type SMTP struct {
	cfg  SMTPConfig
	opts []mail.Option
}

var _ Notifier = (*SMTP)(nil)

// NewSMTP returns a Notifier that sends through the relay cfg describes.
// Unset values take their defaults. With StartTLS mandatory (the
// default), a relay that does not offer STARTTLS, or whose certificate
// does not verify for Host, gets nothing.
func NewSMTP(cfg SMTPConfig) (Notifier, error) {
	c := Config{SMTP: cfg}
	c.SetDefaults()
	cfg = c.SMTP
	if cfg.Host == "" {
		return nil, errors.New("notify: smtp: no host configured")
	}
	policy, err := tlsPolicy(cfg.StartTLS)
	if err != nil {
		return nil, err
	}
	roots := cfg.RootCAs
	if roots == nil && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("notify: smtp: ca_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("notify: smtp: ca_file %s holds no PEM certificate", cfg.CAFile)
		}
	}
	opts := []mail.Option{
		mail.WithPort(cfg.Port),
		mail.WithTimeout(cfg.Timeout),
		mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(&tls.Config{ServerName: cfg.Host, RootCAs: roots, MinVersion: tls.VersionTLS12}),
	}
	if cfg.Username != "" {
		// Autodiscovery picks the strongest mechanism the relay offers and
		// refuses PLAIN and LOGIN on a connection that is not encrypted.
		opts = append(opts,
			mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(cfg.Username),
			mail.WithPassword(cfg.Password))
	}
	return &SMTP{cfg: cfg, opts: opts}, nil
}

func tlsPolicy(s string) (mail.TLSPolicy, error) {
	switch s {
	case StartTLSMandatory:
		return mail.TLSMandatory, nil
	case StartTLSOpportunistic:
		return mail.TLSOpportunistic, nil
	case StartTLSNone:
		return mail.NoTLS, nil
	}
	return 0, fmt.Errorf("notify: smtp: unknown starttls policy %q", s)
}

// Send delivers m, as a multipart/alternative message (text, then HTML).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("notify: smtp: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("notify: smtp: recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	client, err := mail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: smtp: send to relay %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

package notify

import (
	"context"
	"encoding/pem"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/smtptest"
)

// parsed is a received message, decoded.
type parsed struct {
	subject, text, html string
}

func parse(t *testing.T, data string) parsed {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	var p parsed
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	return p
}

func relayConfig(port int) SMTPConfig {
	return SMTPConfig{
		Host:    "127.0.0.1",
		Port:    port,
		From:    "Passerelle <no-reply@example.ca>",
		Timeout: 5 * time.Second,
	}
}

func TestSMTPStartTLS(t *testing.T) {
	serverTLS, roots := smtptest.Cert(t)
	srv := smtptest.Start(t, serverTLS)
	cfg := relayConfig(srv.Port())
	cfg.RootCAs = roots
	n, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := CodeMessage("person@example.ca", "fr", PurposeSignIn, "042917", 10*time.Minute)
	if err := n.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var got smtptest.Received
	select {
	case got = <-srv.Got:
	case <-time.After(5 * time.Second):
		t.Fatal("the relay received nothing")
	}
	if !got.TLS {
		t.Error("the message was not sent over STARTTLS")
	}
	if got.From != "FROM:<no-reply@example.ca>" && !strings.HasPrefix(got.From, "FROM:<no-reply@example.ca>") {
		t.Errorf("MAIL %s", got.From)
	}
	if len(got.To) != 1 || !strings.HasPrefix(got.To[0], "TO:<person@example.ca>") {
		t.Errorf("RCPT %v", got.To)
	}
	p := parse(t, got.Data)
	if p.subject != "Votre code de connexion / Your sign-in code" {
		t.Errorf("subject %q", p.subject)
	}
	for _, body := range []string{p.text, p.html} {
		for _, want := range []string{"042917", "Votre code de connexion est\u00a0:", "Your sign-in code is:", "10 minutes"} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
	}
}

func TestSMTPMandatoryRefusesPlainRelay(t *testing.T) {
	srv := smtptest.Start(t, nil) // offers no STARTTLS
	n, err := NewSMTP(relayConfig(srv.Port()))
	if err != nil {
		t.Fatal(err)
	}
	err = n.Send(context.Background(), CodeMessage("person@example.ca", "en", PurposeSignIn, "042917", 10*time.Minute))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send to a relay without STARTTLS: %v, want a STARTTLS error", err)
	}
	if strings.Contains(err.Error(), "042917") {
		t.Fatal("the error carries the code")
	}
	select {
	case <-srv.Got:
		t.Fatal("the message went out in the clear")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSMTPRefusesUntrustedCertificate(t *testing.T) {
	serverTLS, _ := smtptest.Cert(t)
	srv := smtptest.Start(t, serverTLS)
	n, err := NewSMTP(relayConfig(srv.Port())) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(context.Background(), Message{To: "person@example.ca", Subject: "s", Text: "t"}); err == nil {
		t.Fatal("Send trusted a self-signed certificate")
	}
	select {
	case <-srv.Got:
		t.Fatal("the relay received a message")
	default:
	}
}

func TestSMTPPlainPolicies(t *testing.T) {
	for _, policy := range []string{StartTLSOpportunistic, StartTLSNone} {
		t.Run(policy, func(t *testing.T) {
			srv := smtptest.Start(t, nil)
			cfg := relayConfig(srv.Port())
			cfg.StartTLS = policy
			n, err := NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Send(context.Background(), Message{To: "person@example.ca", Subject: "s", Text: "t"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := <-srv.Got; got.TLS {
				t.Error("upgraded against a relay that offers no STARTTLS")
			}
		})
	}
}

func TestSMTPCAFile(t *testing.T) {
	serverTLS, _ := smtptest.Cert(t)
	srv := smtptest.Start(t, serverTLS)
	caFile := filepath.Join(t.TempDir(), "relay-ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: serverTLS.Certificates[0].Certificate[0]}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := relayConfig(srv.Port())
	cfg.CAFile = caFile
	n, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(context.Background(), Message{To: "person@example.ca", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send with the relay's CA in ca_file: %v", err)
	}
	if got := <-srv.Got; !got.TLS {
		t.Error("not sent over STARTTLS")
	}

	if _, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", CAFile: t.TempDir() + "/missing.pem"}); err == nil {
		t.Error("NewSMTP with a missing CA file succeeded")
	}
	if _, err := NewSMTP(SMTPConfig{}); err == nil {
		t.Error("NewSMTP without a host succeeded")
	}
	if _, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", StartTLS: "sometimes"}); err == nil {
		t.Error("NewSMTP with an unknown policy succeeded")
	}
}

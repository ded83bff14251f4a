package broker_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/passerelle/passerelle/internal/smtptest"
	"github.com/passerelle/passerelle/notify"
)

// mailbox is what the test SMTP relay received: every email the broker
// sends in these tests goes through a real SMTP conversation (STARTTLS
// included) and lands here, decoded.
type mailbox struct {
	mu   sync.Mutex
	msgs []notify.Message // newest first
}

func (m *mailbox) Messages() []notify.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Message(nil), m.msgs...)
}

// startRelay starts the SMTP relay and returns a notifier that sends to
// it over STARTTLS.
func startRelay(t testing.TB, box *mailbox) notify.Notifier {
	serverTLS, roots := smtptest.Cert(t)
	// Delivered before the relay answers: a code the broker has sent is
	// in the box when the broker's page is.
	srv := smtptest.StartWith(t, serverTLS, func(r smtptest.Received) {
		msg, err := decodeMail(r.Data)
		if err != nil {
			t.Errorf("undecodable email: %v", err)
			return
		}
		box.mu.Lock()
		box.msgs = append([]notify.Message{msg}, box.msgs...)
		box.mu.Unlock()
	})
	n, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: srv.Port(), From: "Passerelle <no-reply@example.gc.ca>",
		StartTLS: notify.StartTLSMandatory, Timeout: 5e9, RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// decodeMail reads To, Subject and the text part of a MIME message.
func decodeMail(data string) (notify.Message, error) {
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		return notify.Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		return notify.Message{}, err
	}
	out := notify.Message{To: to.Address, Subject: subject}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return out, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		out.Text, err = partText(m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return out, err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		body, err := partText(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			return out, err
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			out.HTML = body
		} else {
			out.Text = body
		}
	}
}

func partText(encoding string, r io.Reader) (string, error) {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	var b bytes.Buffer
	_, err := io.Copy(&b, r)
	return b.String(), err
}

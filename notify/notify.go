package notify

import (
	"context"
	"log/slog"
)

// Message is one email, in plain text and HTML.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// LogValue keeps the body (which holds a code) and the address out of
// logs.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("subject", m.Subject))
}

// Notifier delivers a message. Implementations are safe for concurrent
// use.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

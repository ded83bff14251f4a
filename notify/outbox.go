package notify

import (
	"context"
	"html/template"
	"net/http"
	"sync"
)

// outboxCap is how many messages an Outbox keeps.
const outboxCap = 100

// Outbox is a Notifier that keeps messages in memory instead of sending
// them, for the demo and for tests: the demo mounts Handler so a visitor
// reads the codes "sent" to them. Never use it where real people sign in:
// anyone who reaches the handler reads every code.
type Outbox struct {
	mu   sync.Mutex
	msgs []Message // oldest first
}

var _ Notifier = (*Outbox)(nil)

// Send keeps m, dropping the oldest message beyond the cap.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > outboxCap {
		o.msgs = append([]Message(nil), o.msgs[len(o.msgs)-outboxCap:]...)
	}
	return nil
}

// Messages returns the kept messages, newest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

var outboxPage = template.Must(template.New("outbox").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outbox (demo) / Boîte d'envoi (démo)</title>
</head>
<body>
<main>
<h1>Outbox (demo) / <span lang="fr">Boîte d'envoi (démo)</span></h1>
<p>Messages this demonstration would have sent, newest first. /
<span lang="fr">Messages que cette démonstration aurait envoyés, du plus récent au plus ancien.</span></p>
{{if not .}}<p>No message yet. / <span lang="fr">Aucun message pour l'instant.</span></p>
{{end}}{{range .}}<article>
<h2>{{.Subject}}</h2>
<p><strong>To / <span lang="fr">À</span>:</strong> {{.To}}</p>
<pre>{{.Text}}</pre>
</article>
{{end}}</main>
</body>
</html>
`))

// Handler renders the kept messages as a bilingual HTML page, newest
// first. The page shows each message's text part, escaped, and runs no
// script; the HTML part is not rendered, so a message cannot inject markup.
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		// A write error means the client went away; there is no one left
		// to tell.
		_ = outboxPage.Execute(w, o.Messages())
	})
}

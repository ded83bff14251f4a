package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestOutboxNewestFirstAndCapped(t *testing.T) {
	var o Outbox
	for i := range 130 {
		if err := o.Send(context.Background(), Message{To: "p@example.ca", Subject: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got := o.Messages()
	if len(got) != 100 || got[0].Subject != "129" || got[99].Subject != "30" {
		t.Fatalf("got %d messages, first %q, last %q", len(got), got[0].Subject, got[len(got)-1].Subject)
	}
	got[0].Subject = "changed"
	if o.Messages()[0].Subject != "129" {
		t.Error("Messages shares memory with the outbox")
	}
}

func TestOutboxConcurrent(t *testing.T) {
	var o Outbox
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _ = o.Send(context.Background(), Message{}); _ = o.Messages() })
	}
	wg.Wait()
	if n := len(o.Messages()); n != 20 {
		t.Fatalf("%d messages, want 20", n)
	}
}

func TestOutboxCancelled(t *testing.T) {
	var o Outbox
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, Message{}); err == nil || len(o.Messages()) != 0 {
		t.Fatal("Send with a cancelled context kept the message")
	}
}

func TestOutboxHandlerEscapes(t *testing.T) {
	var o Outbox
	_ = o.Send(context.Background(), Message{
		To:      `"<script>alert(1)</script>" <x@example.ca>`,
		Subject: `<img src=x onerror=alert(1)>`,
		Text:    "code: 123456 </pre><script>alert(2)</script>",
		HTML:    `<p onclick="alert(3)">html part</p>`,
	})
	_ = o.Send(context.Background(), CodeMessage("p@example.ca", "en", PurposeSignIn, "654321", 0))
	rec := httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/outbox", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	for _, bad := range []string{"<script", "<img", "onclick", "html part"} {
		if strings.Contains(body, bad) {
			t.Errorf("page holds %q unescaped (or the HTML part)", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(2)&lt;/script&gt;", "&lt;img src=x", "654321", "Outbox (demo)", "Boîte d'envoi (démo)"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Index(body, "654321") > strings.Index(body, "alert(2)") {
		t.Error("the newest message is not first")
	}
	h := rec.Header()
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") ||
		h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}

	rec = httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/outbox", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", rec.Code)
	}
}

func TestOutboxHandlerEmpty(t *testing.T) {
	var o Outbox
	rec := httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/outbox", nil))
	if !strings.Contains(rec.Body.String(), "No message yet") {
		t.Error("empty page lacks its notice")
	}
}

func TestMessageLogValue(t *testing.T) {
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("sent", "msg", CodeMessage("p@example.ca", "en", PurposeSignIn, "777777", 0))
	if strings.Contains(b.String(), "777777") || strings.Contains(b.String(), "p@example.ca") {
		t.Errorf("a logged message shows its code or address: %s", b.String())
	}
}

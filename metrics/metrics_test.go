package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/metrics"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// scrape returns what /metrics serves.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func wantLine(t *testing.T, body, line string) {
	t.Helper()
	if !strings.Contains(body, line) {
		t.Errorf("no %q in:\n%s", line, body)
	}
}

// TestEvent: every audited event counts by kind and outcome; a successful
// sign-in also counts under its provider, a failed one does not.
func TestEvent(t *testing.T) {
	m := metrics.New()
	m.Event(store.AuditEvent{Kind: "signin", Outcome: "success", Detail: map[string]string{"provider": "gckey"}})
	m.Event(store.AuditEvent{Kind: "signin", Outcome: "success", Detail: map[string]string{"provider": "gckey"}})
	m.Event(store.AuditEvent{Kind: "signin", Outcome: "failure", Detail: map[string]string{"provider": "other"}})
	body := scrape(t, m)
	wantLine(t, body, `passerelle_events_total{kind="signin",outcome="success"} 2`)
	wantLine(t, body, `passerelle_events_total{kind="signin",outcome="failure"} 1`)
	wantLine(t, body, `passerelle_signins_total{provider="gckey"} 2`)
	if strings.Contains(body, `provider="other"`) {
		t.Errorf("a failed sign-in counted as a sign-in:\n%s", body)
	}
}

// TestStore: a timed operation is observed with its outcome; an untimed
// one still reaches the store.
func TestStore(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "m.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := metrics.New()
	ts := m.Store(st)
	ctx := context.Background()
	if _, err := ts.GetGrant(ctx, "missing"); err == nil {
		t.Fatal("GetGrant of a missing grant: no error")
	}
	if err := ts.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ts.CreateClient(ctx, store.Client{ID: "c", AuthMethod: "none"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetClient(ctx, "c"); err != nil {
		t.Errorf("untimed CreateClient did not reach the store: %v", err)
	}
	// A read of several records: timed, its results passed through.
	if err := st.CreateAccount(ctx, store.Account{ID: "a", URN: "urn-a"}, store.Link{Provider: "up", Subject: "s"}); err != nil {
		t.Fatal(err)
	}
	if l, a, _, err := ts.GetLinkWithAccount(ctx, "up", "s"); err != nil || l.AccountID != "a" || a.ID != "a" {
		t.Errorf("GetLinkWithAccount through the timed store: link to %q, account %q, %v", l.AccountID, a.ID, err)
	}
	body := scrape(t, m)
	wantLine(t, body, `passerelle_store_operation_duration_seconds_count{op="GetLinkWithAccount",outcome="ok"} 1`)
	wantLine(t, body, `passerelle_store_operation_duration_seconds_count{op="GetGrant",outcome="error"} 1`)
	wantLine(t, body, `passerelle_store_operation_duration_seconds_count{op="Ping",outcome="ok"} 1`)
	if strings.Contains(body, `op="CreateClient"`) {
		t.Errorf("CreateClient is timed, though off the sign-in path:\n%s", body)
	}
}

package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestAuditCloseFlushes: events appended (queued for a group commit) are
// all in the file once Close returns, and none cost a write that its
// caller waited for.
func TestAuditCloseFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3 * store.AuditBatch
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if err := s.AppendAudit(t.Context(), store.AuditEvent{ID: fmt.Sprintf("e%04d", i), Time: at, Kind: "signin"}); err != nil {
			t.Fatal(err)
		}
	}
	if w := s.Writes(); w != 0 {
		t.Errorf("appending made %d writes its callers waited for, want 0", w)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListAudit(t.Context(), time.Time{}, 0)
	if err != nil || len(got) != n {
		t.Fatalf("after Close and Open: %d events, %v; want %d", len(got), err, n)
	}
}

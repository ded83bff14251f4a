package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
)

// TestAuditCloseFlushes: events appended (queued for a group commit) are
// all in the database once Close returns, written by multi-row
// statements of at most AuditBatch events; another store on the same schema (a
// second replica) reads them.
func TestAuditCloseFlushes(t *testing.T) {
	dsn := pgtest.Schema(t)
	s, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w0 := s.Writes() // the migrations'
	const n = 3 * store.AuditBatch
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if err := s.AppendAudit(t.Context(), store.AuditEvent{ID: fmt.Sprintf("e%04d", i), Time: at, Kind: "signin"}); err != nil {
			t.Fatal(err)
		}
	}
	if w := s.Writes() - w0; w != 0 {
		t.Errorf("appending made %d writes its callers waited for, want 0", w)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	w := s.AuditCommits()
	if w < n/store.AuditBatch {
		t.Errorf("%d events took %d writes, want at least %d (batches of at most %d)", n, w, n/store.AuditBatch, store.AuditBatch)
	}
	t.Logf("%d events in %d group commits", n, w)
	other, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	got, err := other.ListAudit(t.Context(), time.Time{}, 0)
	if err != nil || len(got) != n {
		t.Fatalf("after Close, from another store: %d events, %v; want %d", len(got), err, n)
	}
}

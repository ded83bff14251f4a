package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/passerelle/passerelle/store"
)

// gatedCommit records the batches a queue commits; each commit waits for
// a token on gate, so the test decides when the writer moves on.
type gatedCommit struct {
	gate    chan struct{}
	started chan struct{}
	fail    error
	mu      sync.Mutex
	batches [][]string
}

func newGatedCommit() *gatedCommit {
	return &gatedCommit{gate: make(chan struct{}), started: make(chan struct{}, 100)}
}

func (g *gatedCommit) commit(_ context.Context, batch []store.AuditEvent) error {
	// Tell a test waiting for a commit to start; one that reads started
	// runs fewer commits than its buffer, and one that does not (the
	// writer may commit the events one by one) must never block here.
	select {
	case g.started <- struct{}{}:
	default:
	}
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		return g.fail
	}
	ids := make([]string, len(batch))
	for i, e := range batch {
		ids[i] = e.ID
	}
	g.batches = append(g.batches, ids)
	return nil
}

func (g *gatedCommit) sizes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []int
	for _, b := range g.batches {
		out = append(out, len(b))
	}
	return out
}

// TestAuditQueueGroupsAndBounds: events queued while a commit runs go
// together in the next one, never more than AuditBatch per commit, in
// order; Flush returns once all are committed, and a duplicate queued ID
// is refused.
func TestAuditQueueGroupsAndBounds(t *testing.T) {
	g := newGatedCommit()
	q := store.NewAuditQueue(g.commit)
	ctx := t.Context()
	if err := q.Append(ctx, store.AuditEvent{ID: "first"}); err != nil {
		t.Fatal(err)
	}
	<-g.started // the writer holds "first" and waits at the gate
	n := 2*store.AuditBatch + 1
	for i := range n {
		if err := q.Append(ctx, store.AuditEvent{ID: fmt.Sprint("e", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Append(ctx, store.AuditEvent{ID: "e7"}); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("a queued ID appended again: %v, want ErrAlreadyExists", err)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- q.Flush(ctx) }()
	for range 4 {
		g.gate <- struct{}{}
	}
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(g.sizes()), fmt.Sprint([]int{1, store.AuditBatch, store.AuditBatch, 1}); got != want {
		t.Errorf("batches %s, want %s", got, want)
	}
	if last := g.batches[3][0]; last != fmt.Sprint("e", n-1) {
		t.Errorf("last batch holds %s, want the last event", last)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestAuditQueueCloseFlushes: Close commits every queued event before it
// returns, and refuses events appended after it.
func TestAuditQueueCloseFlushes(t *testing.T) {
	g := newGatedCommit()
	close(g.gate) // every commit goes through
	q := store.NewAuditQueue(g.commit)
	for i := range 1000 {
		if err := q.Append(t.Context(), store.AuditEvent{ID: fmt.Sprint("e", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range g.sizes() {
		total += n
	}
	if total != 1000 {
		t.Errorf("Close left %d of 1000 events unwritten", 1000-total)
	}
	if err := q.Append(t.Context(), store.AuditEvent{ID: "late"}); !errors.Is(err, store.ErrAuditClosed) {
		t.Errorf("append after Close: %v, want ErrAuditClosed", err)
	}
}

// TestAuditQueueFailureReported: a failing commit keeps its events
// queued; Flush reports the failure, and Close says how many were not
// written.
func TestAuditQueueFailureReported(t *testing.T) {
	g := newGatedCommit()
	g.fail = errors.New("disk full")
	close(g.gate)
	q := store.NewAuditQueue(g.commit)
	if err := q.Append(t.Context(), store.AuditEvent{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := q.Flush(t.Context()); !errors.Is(err, g.fail) {
		t.Errorf("Flush: %v, want the commit's error", err)
	}
	if err := q.Close(); err == nil || !errors.Is(err, g.fail) {
		t.Errorf("Close: %v, want 1 event not written", err)
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Bounds of an AuditQueue.
const (
	// AuditBatch is the most events one group commit writes.
	AuditBatch = 512
	// AuditPending is the most events waiting for their commit: Append
	// waits while this many are queued, so a slow disk slows the callers
	// instead of growing the queue (and what a crash can lose).
	AuditPending = 4 * AuditBatch
	// auditRetry is the pause after a failed commit before the writer
	// tries the same events again.
	auditRetry = 100 * time.Millisecond
)

// AuditQueue appends audit events in group commits: Append queues an
// event and returns, and one background writer commits whatever is
// queued (at most AuditBatch events) in one transaction, then the next
// batch, so a sign-in never waits for the audit log's fsync and
// concurrent sign-ins share one. The writer starts a commit as soon as an
// event is queued (no timer): what a crash loses is what was queued but
// not yet committed, the events appended while the commit before them ran
// (about one commit's time, a millisecond or two on this project's
// machines) and never more than AuditPending events. Flush waits for
// every event queued before it; Close flushes, then stops the writer.
// A backend reads its log only after Flush (read-your-writes).
type AuditQueue struct {
	// commit writes a batch durably, skipping events whose ID is already
	// stored (a retried batch may hold some).
	commit func(ctx context.Context, batch []AuditEvent) error

	mu      sync.Mutex
	changed *sync.Cond // an event queued, a batch committed, a failure, Close
	pending []AuditEvent
	ids     map[string]struct{} // IDs of pending
	// queued and written count the events appended and committed since
	// the queue started; Flush waits for written to reach queued.
	queued, written uint64
	failure         error // the last commit's error, nil once one succeeds
	closing         bool
	stopped         chan struct{}
}

// NewAuditQueue starts the writer of a queue committing with commit.
func NewAuditQueue(commit func(ctx context.Context, batch []AuditEvent) error) *AuditQueue {
	q := &AuditQueue{commit: commit, ids: map[string]struct{}{}, stopped: make(chan struct{})}
	q.changed = sync.NewCond(&q.mu)
	go q.write()
	return q
}

// ErrAuditClosed refuses an event appended after Close.
var ErrAuditClosed = errors.New("store: audit log closed")

// Append queues e: ErrAlreadyExists when an event with its ID is queued
// (the backend checks the IDs already stored before calling it). It waits
// while AuditPending events are queued.
func (q *AuditQueue) Append(ctx context.Context, e AuditEvent) error {
	if e.ID == "" {
		return errors.New("store: audit event has an empty ID")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pending) >= AuditPending && !q.closing {
		if err := ctx.Err(); err != nil {
			return err
		}
		q.changed.Wait()
	}
	if q.closing {
		return ErrAuditClosed
	}
	if _, dup := q.ids[e.ID]; dup {
		return fmt.Errorf("store: audit event %s: %w", e.ID, ErrAlreadyExists)
	}
	q.ids[e.ID] = struct{}{}
	q.pending = append(q.pending, e)
	q.queued++
	q.changed.Broadcast()
	return nil
}

// Queued reports whether an event with this ID waits for its commit.
func (q *AuditQueue) Queued(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.ids[id]
	return ok
}

// Flush waits until every event queued before it is committed, and
// returns the writer's error if a commit fails meanwhile.
func (q *AuditQueue) Flush(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	target := q.queued
	for q.written < target {
		if q.failure != nil {
			return fmt.Errorf("store: audit log: %d events not yet written: %w", target-q.written, q.failure)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		q.changed.Wait()
	}
	return nil
}

// Close commits every queued event, then stops the writer. It returns
// the commit's error if the last events could not be written.
func (q *AuditQueue) Close() error {
	q.mu.Lock()
	q.closing = true
	q.changed.Broadcast()
	q.mu.Unlock()
	<-q.stopped
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.pending); n > 0 {
		return fmt.Errorf("store: audit log closed with %d events not written: %w", n, q.failure)
	}
	return nil
}

// write is the writer: it commits the head of the queue, batch after
// batch, until Close finds the queue empty (or a commit failing).
func (q *AuditQueue) write() {
	defer close(q.stopped)
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for len(q.pending) == 0 && !q.closing {
			q.changed.Wait()
		}
		if len(q.pending) == 0 {
			return
		}
		batch := q.pending[:min(len(q.pending), AuditBatch)]
		q.mu.Unlock()
		err := q.commit(context.Background(), batch)
		q.mu.Lock()
		q.failure = err
		if err != nil {
			q.changed.Broadcast()
			if q.closing {
				return
			}
			q.mu.Unlock()
			time.Sleep(auditRetry)
			q.mu.Lock()
			continue
		}
		for _, e := range batch {
			delete(q.ids, e.ID)
		}
		q.pending = append(q.pending[:0:0], q.pending[len(batch):]...)
		q.written += uint64(len(batch))
		q.changed.Broadcast()
	}
}

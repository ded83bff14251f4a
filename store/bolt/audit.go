package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// auditKey orders the audit log by time, then ID: timeKey(Time) + ID.
func auditKey(e store.AuditEvent) []byte {
	return append(timeKey(e.Time), e.ID...)
}

// AppendAudit queues an event for the audit log's next group commit
// (store.AuditQueue) and returns without waiting for it. ErrAlreadyExists
// if an event with the same ID was appended before (at any time).
func (s *auditLog) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	if e.ID == "" {
		return errEmptyAuditID
	}
	// Queued before stored: an event leaves the queue only once stored,
	// so one of the two checks sees an event appended before.
	if s.audit.Queued(e.ID) {
		return fmt.Errorf("store/bolt: audit event: %w", store.ErrAlreadyExists)
	}
	if err := s.view(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(indexAuditByID).Get([]byte(e.ID)) != nil {
			return fmt.Errorf("store/bolt: audit event: %w", store.ErrAlreadyExists)
		}
		return nil
	}); err != nil {
		return err
	}
	return s.audit.Append(ctx, e)
}

// AppendNewAudit queues an event whose ID was just drawn at random
// without reading the log (store.Audit): ErrAlreadyExists only for an ID
// still queued; commitAudit skips one already stored.
func (s *auditLog) AppendNewAudit(ctx context.Context, e store.AuditEvent) error {
	return s.audit.Append(ctx, e)
}

// commitAudit writes a batch of the audit queue, skipping the events
// already stored (a batch retried after a failure). It goes through the
// group commit like every write, so under load the batch shares its
// commit with the writes queued beside it instead of taking the file's
// write lock for a commit of its own; it is not among Writes (nobody
// waits for it but the queue's writer).
func (s *base) commitAudit(_ context.Context, batch []store.AuditEvent) error {
	err := s.commits.write(func(tx *bbolt.Tx) error {
		for _, e := range batch {
			if tx.Bucket(indexAuditByID).Get([]byte(e.ID)) != nil {
				continue
			}
			if err := save(tx, auditEvents, e); err != nil {
				return err
			}
			if err := tx.Bucket(indexAuditByID).Put([]byte(e.ID), auditKey(e)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.auditCommits.Add(1)
	}
	return err
}

// ListAudit returns the events whose Time is at or after since, oldest
// first (ties by ID), at most limit of them (no limit when limit <= 0).
// The log is keyed by time, so this is one cursor seek and a scan, after
// the queued events are committed.
func (s *auditLog) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	if err := s.audit.Flush(ctx); err != nil {
		return nil, err
	}
	var out []store.AuditEvent
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketAudit).Cursor()
		for k, raw := c.Seek(timeKey(since)); k != nil && (limit <= 0 || len(out) < limit); k, raw = c.Next() {
			var e store.AuditEvent
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("store/bolt: decode %s: %w", auditEvents.name, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// errEmptyAuditID refuses an audit event without an ID.
var errEmptyAuditID = errors.New("store/bolt: audit event has an empty ID")

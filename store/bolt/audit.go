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

// AppendAudit adds an event to the audit log. ErrAlreadyExists if an
// event with the same ID was appended before (at any time).
func (s *auditLog) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if e.ID == "" {
			return refuse(errEmptyAuditID)
		}
		if tx.Bucket(indexAuditByID).Get([]byte(e.ID)) != nil {
			return refuse(fmt.Errorf("store/bolt: audit event: %w", store.ErrAlreadyExists))
		}
		if err := checkNew(tx, auditEvents, e); err != nil {
			return err
		}
		if err := save(tx, auditEvents, e); err != nil {
			return err
		}
		return tx.Bucket(indexAuditByID).Put([]byte(e.ID), auditKey(e))
	})
}

// ListAudit returns the events whose Time is at or after since, oldest
// first (ties by ID), at most limit of them (no limit when limit <= 0).
// The log is keyed by time, so this is one cursor seek and a scan.
func (s *auditLog) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
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

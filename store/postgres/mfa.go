package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

var (
	factors = table[store.Factor]{noun: "factor", name: "factors", key: "id",
		keyOf: func(f store.Factor) any { return f.ID },
		cols:  []string{"account_id", "credential_id", "created_at"},
		vals: func(f store.Factor) []any {
			return []any{f.AccountID, nullBytes(f.CredentialID), f.CreatedAt}
		},
		decoded: decoded.Factors}
	otps = table[store.OTP]{noun: "one-time code", name: "otps", key: "id",
		keyOf:     func(o store.OTP) any { return o.ID },
		cols:      []string{"expires_at", "sweep_at"},
		vals:      func(o store.OTP) []any { return []any{expiry(o.ExpiresAt), expiry(o.SweepEarlyAt())} },
		transient: true}
)

// CreateFactor stores a factor: ErrAlreadyExists for a duplicate ID or
// WebAuthn credential ID (the unique constraint on credential_id).
func (s *factorRecords) CreateFactor(ctx context.Context, f store.Factor) error {
	return factors.create(ctx, s.base, f)
}

// GetFactor returns the factor with this ID.
func (s *factorRecords) GetFactor(ctx context.Context, id string) (store.Factor, error) {
	return factors.get(ctx, s.base, id)
}

// GetFactorByCredentialID finds a WebAuthn factor by credential ID.
func (s *factorRecords) GetFactorByCredentialID(ctx context.Context, credentialID []byte) (store.Factor, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.Factor](s.base, s.pool.QueryRow(ctx,
		"SELECT record FROM factors WHERE credential_id = $1", nullBytes(credentialID)), factors.noun)
}

// ListFactors returns an account's factors, oldest first (ID order among
// factors created at the same time).
func (s *factorRecords) ListFactors(ctx context.Context, accountID string) ([]store.Factor, error) {
	return factors.rememberAll(ctx, s.base, "SELECT record, xmin FROM factors WHERE account_id = $1 ORDER BY created_at, id", accountID)
}

// UpdateFactor applies fn to the factor under its row lock (TOTP step,
// sign count, recovery code use). A credential ID another factor holds is
// ErrConflict.
func (s *factorRecords) UpdateFactor(ctx context.Context, id string, fn func(store.Factor) (store.Factor, error)) error {
	return factors.update(ctx, s.base, id, fn, nil)
}

// UpdateAccountFactor applies fn to an account and one of its factors:
// first by compare-and-swap (swapAccountFactor; one more, first, from
// the rows a read remembered: swapAccountFactor names the reads), and
// after swapTries lost swaps in one transaction: both rows locked
// (SELECT ... FOR UPDATE), the account's first, as no transaction locks
// them the other way round, so two such updates never deadlock; fn's
// outcome written to both, one commit. fn's error comes back unwrapped and nothing is written.
func (s *factorRecords) UpdateAccountFactor(ctx context.Context, accountID, factorID string,
	fn func(store.Account, store.Factor) (store.Account, store.Factor, error)) error {
	from := s.rememberedPair(accountID, factorID)
	tries := swapTries
	if from != nil {
		tries++
	}
	for range tries {
		done, err := s.swapAccountFactor(ctx, accountID, factorID, from, fn)
		if done || err != nil {
			return err
		}
		from = nil
	}
	var refused error
	err := s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		oldA, err := accounts.load(ctx, tx, accountID, s.now(), true)
		if err != nil {
			return err
		}
		oldF, err := factors.load(ctx, tx, factorID, s.now(), true)
		if err == nil {
			err = store.CheckFactorOwner(accountID, oldF)
		}
		if err != nil {
			return err
		}
		a, f, err := fn(oldA, oldF)
		if err != nil {
			refused = err
			return err
		}
		if err := store.CheckAccountFactor(oldA, a, oldF, f); err != nil {
			return err
		}
		if err := accounts.write(ctx, tx, accountID, a); err != nil {
			return err
		}
		return factors.write(ctx, tx, factorID, f)
	})
	if refused != nil {
		return refused
	}
	return err
}

// DeleteFactor removes the factor.
func (s *factorRecords) DeleteFactor(ctx context.Context, id string) error {
	return factors.remove(ctx, s.base, id)
}

// CreateOTP stores a one-time code.
func (s *otpRecords) CreateOTP(ctx context.Context, o store.OTP) error {
	return otps.create(ctx, s.base, o)
}

// UpdateOTP applies fn to a live one-time code under its row lock;
// expired codes are ErrNotFound, consumed ones are still returned.
func (s *otpRecords) UpdateOTP(ctx context.Context, id string, fn func(store.OTP) (store.OTP, error)) error {
	return otps.update(ctx, s.base, id, fn, nil)
}

// Hit counts one event under key in one upsert. A window lasts from the
// first hit to expires_at, included (as the bolt backend counts it); the
// first hit after expires_at starts a new window with a count of 1.
func (s *otpRecords) Hit(ctx context.Context, key string, window time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	now := s.now()
	var n int
	err := s.pool.QueryRow(ctx, `INSERT INTO hits AS h (key, count, expires_at) VALUES ($1, 1, $3)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN h.expires_at < $2 THEN 1 ELSE h.count + 1 END,
			expires_at = CASE WHEN h.expires_at < $2 THEN excluded.expires_at ELSE h.expires_at END
		RETURNING count`, key, now, now.Add(window)).Scan(&n)
	return n, err
}

var auditEvents = table[store.AuditEvent]{noun: "audit event", name: "audit_events", key: "id",
	keyOf: func(e store.AuditEvent) any { return e.ID },
	cols:  []string{"time"},
	vals:  func(e store.AuditEvent) []any { return []any{e.Time} }}

// AppendAudit queues an event for the audit log's next group commit
// (store.AuditQueue) and returns without waiting for it: ErrAlreadyExists
// if an event with the same ID was appended before, at any time (an
// event queued at the same moment on another replica with the same ID is
// dropped by the commit instead).
func (s *auditLog) AppendAudit(ctx context.Context, e store.AuditEvent) error {
	if e.ID == "" {
		return fmt.Errorf("store/postgres: %s has an empty key", auditEvents.noun)
	}
	// Queued before stored: an event leaves the queue only once stored,
	// so one of the two checks sees an event appended before.
	if s.audit.Queued(e.ID) {
		return fmt.Errorf("store/postgres: %s: %w", auditEvents.noun, store.ErrAlreadyExists)
	}
	qctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var stored bool
	if err := s.pool.QueryRow(qctx, "SELECT EXISTS (SELECT 1 FROM audit_events WHERE id = $1)", e.ID).Scan(&stored); err != nil {
		return s.fail(err)
	}
	if stored {
		return fmt.Errorf("store/postgres: %s: %w", auditEvents.noun, store.ErrAlreadyExists)
	}
	return s.audit.Append(ctx, e)
}

// AppendNewAudit queues an event whose ID was just drawn at random
// without the round trip AppendAudit spends looking it up
// (store.Audit): ErrAlreadyExists only for an ID still queued;
// commitAudit skips one already stored.
func (s *auditLog) AppendNewAudit(ctx context.Context, e store.AuditEvent) error {
	return s.audit.Append(ctx, e)
}

// auditInsert begins commitAudit's statement, which the statement
// counter leaves to AuditCommits.
const auditInsert = "INSERT INTO audit_events"

// commitAudit writes a batch of the audit queue in one statement,
// skipping the events already stored (a batch retried after a failure).
func (s *base) commitAudit(ctx context.Context, batch []store.AuditEvent) error {
	ids, times, records := make([]string, len(batch)), make([]time.Time, len(batch)), make([][]byte, len(batch))
	for i, e := range batch {
		raw, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("store/postgres: encode %s: %w", auditEvents.noun, err)
		}
		ids[i], times[i], records[i] = e.ID, e.Time, raw
	}
	_, err := s.exec(ctx, auditInsert+` (id, time, record)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[]) ON CONFLICT (id) DO NOTHING`, ids, times, records)
	if err == nil {
		s.auditCommits.Add(1)
	}
	return err
}

// ListAudit returns events at or after since, oldest first (ties by ID),
// at most limit (0: no limit), from the (time, id) index, once this
// replica's queued events are committed.
func (s *auditLog) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	if err := s.audit.Flush(ctx); err != nil {
		return nil, err
	}
	var max *int
	if limit > 0 {
		max = &limit
	}
	return auditEvents.list(ctx, s.base, "SELECT record FROM audit_events WHERE time >= $1 ORDER BY time, id LIMIT $2", since, max)
}

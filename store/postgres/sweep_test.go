package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/passerelle/passerelle/internal/pgtest"
)

// deleteLog records every DELETE the pool runs (pgx.QueryTracer): its SQL,
// arguments and how many rows it deleted.
type deleteLog struct {
	mu      sync.Mutex
	deletes []deleted
}

type deleted struct {
	sql  string
	args []any
	rows int64
}

type startKey struct{}

func (l *deleteLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, startKey{}, d)
}

func (l *deleteLog) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	start, _ := ctx.Value(startKey{}).(pgx.TraceQueryStartData)
	if d.Err != nil || !strings.HasPrefix(start.SQL, "DELETE") {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deletes = append(l.deletes, deleted{start.SQL, start.Args, d.CommandTag.RowsAffected()})
}

// TestSweepStatementsAreBoundedAndIndexed: among 50,000 live auth requests,
// 1,234 expired ones are deleted by ceil(1234/SweepBatch) statements of at
// most SweepBatch rows each (each its own transaction, so a lock is held
// for one batch), one per table more for the empty tables, and the
// statement's plan reaches the rows through the expires_at index, never
// a scan of the table: the work follows what expired.
func TestSweepStatementsAreBoundedAndIndexed(t *testing.T) {
	ctx := t.Context()
	cfg, err := pgxpool.ParseConfig(pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	log := &deleteLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := compose(&base{pool: pool, now: func() time.Time { return now }, timeout: DefaultQueryTimeout, addr: "test"})

	const live, expired = 50000, 1234
	for _, fill := range []struct {
		n      int
		expiry time.Time
	}{{live, now.Add(time.Hour)}, {expired, now.Add(-time.Minute)}} {
		if _, err := pool.Exec(ctx, `INSERT INTO auth_requests (id, expires_at, record)
			SELECT $1 || i, $2, '{}' FROM generate_series(1, $3) AS i`,
			fill.expiry.Format(time.RFC3339)+"-", fill.expiry, fill.n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, "ANALYZE auth_requests"); err != nil {
		t.Fatal(err)
	}

	n, err := s.Sweep(ctx, now)
	if err != nil || n != expired {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, expired)
	}
	var batches []deleted
	for _, d := range log.deletes {
		if d.rows > SweepBatch {
			t.Errorf("one statement deleted %d rows, more than SweepBatch (%d): %s", d.rows, SweepBatch, d.sql)
		}
		if strings.HasPrefix(d.sql, "DELETE FROM auth_requests ") {
			batches = append(batches, d)
		}
	}
	if want := (expired + SweepBatch - 1) / SweepBatch; len(batches) != want {
		t.Fatalf("%d statements on auth_requests, want %d", len(batches), want)
	}
	if others, want := len(log.deletes)-len(batches), len(sweptTables)-1+len(sweptEarlyTables); others != want {
		t.Errorf("%d statements on the other, empty tables, want one each (%d)", others, want)
	}

	var plan strings.Builder
	rows, err := pool.Query(ctx, "EXPLAIN "+batches[0].sql, batches[0].args...)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if p := plan.String(); strings.Contains(p, "Seq Scan") || !strings.Contains(p, "auth_requests_expires_at") {
		t.Errorf("the sweep statement does not find expired rows by the expires_at index:\n%s", p)
	}
}

package postgres

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// statementCounter is the pool's query tracer: it counts the statements
// sent (each a round trip) and the durable writes among them, for tests
// and the bench (Statements, Writes); the audit queue's commits are
// counted apart (AuditCommits), as no request waits for them.
type statementCounter struct {
	statements atomic.Int64
	writes     atomic.Int64

	mu sync.Mutex
	// open are the connections inside a transaction, true once it wrote
	// to a logged table: its COMMIT is then one durable write.
	open map[*pgx.Conn]bool
}

var _ pgx.QueryTracer = (*statementCounter)(nil)

// TraceQueryStart counts sql: a write to a logged table outside a
// transaction, or the COMMIT of a transaction that made one, is a durable
// write (a WAL flush the caller waits for). The unlogged auth_requests
// table's writes are not, nor the audit queue's commits (counted apart).
func (c *statementCounter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(data.SQL, auditInsert) {
		return ctx
	}
	c.statements.Add(1)
	verb, _, _ := strings.Cut(strings.TrimSpace(data.SQL), " ")
	verb = strings.ToLower(verb)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[*pgx.Conn]bool{}
	}
	dirty, inTx := c.open[conn]
	switch verb {
	case "begin":
		c.open[conn] = false
	case "commit":
		if dirty {
			c.writes.Add(1)
		}
		delete(c.open, conn)
	case "rollback":
		delete(c.open, conn)
	case "insert", "update", "delete", "with":
		if verb == "with" && !modifies(data.SQL) {
			break // a read
		}
		if strings.Contains(data.SQL, "auth_requests") {
			break // unlogged
		}
		if inTx {
			c.open[conn] = true
		} else {
			c.writes.Add(1)
		}
	}
	return ctx
}

// modifies reports whether a statement (a WITH query) writes.
func modifies(sql string) bool {
	return strings.Contains(sql, "INSERT ") || strings.Contains(sql, "UPDATE ") || strings.Contains(sql, "DELETE ")
}

// TraceQueryEnd is part of pgx.QueryTracer.
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Statements is the number of statements (round trips, BEGIN and COMMIT
// included) this store sent since Open, but for the audit queue's
// commits (AuditCommits).
func (s *Store) Statements() int64 {
	if s.statements == nil {
		return 0
	}
	return s.statements.statements.Load()
}

// Writes is the number of durable writes since Open: statements writing
// a logged table outside a transaction, and commits of transactions that
// wrote one, each a WAL flush its caller waited for. The audit log's
// group commits are not among them (AuditCommits).
func (s *Store) Writes() int64 {
	if s.statements == nil {
		return 0
	}
	return s.statements.writes.Load()
}

// AuditCommits is the number of audit group commits since Open, each
// writing up to store.AuditBatch events that nobody waited for.
func (s *Store) AuditCommits() int64 { return s.auditCommits.Load() }

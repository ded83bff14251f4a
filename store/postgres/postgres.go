package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/passerelle/passerelle/store"
)

// DefaultQueryTimeout bounds every query (and every transaction) when
// Options.QueryTimeout is zero.
const DefaultQueryTimeout = 5 * time.Second

// DefaultMaxConns caps the connection pool when neither Options.MaxConns
// nor the DSN's pool_max_conns does. pgxpool's own default, the greater
// of 4 and the number of CPUs, keeps a broker's concurrent requests
// waiting for a connection while the server has cores to spare: with 16
// at a time on 2 cores, 16 connections served the two reads an
// introspection then took in 66 µs where 4 took 109 µs
// (BenchmarkHotPaths).
const DefaultMaxConns = 16

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Now is the clock deciding whether a record has expired; time.Now
	// when nil. The database's own clock is never consulted, so tests
	// inject a fixed clock.
	Now func() time.Time
	// QueryTimeout bounds each method call: one statement, or one
	// transaction from BEGIN to COMMIT. DefaultQueryTimeout when zero.
	QueryTimeout time.Duration
	// MaxConns caps the connection pool; when zero, the DSN's
	// pool_max_conns, else DefaultMaxConns.
	MaxConns int
	// Retention is how long Sweep keeps audit events and rotated-away
	// refresh hashes; the zero value keeps them (store.Retention).
	Retention store.Retention
	// MaxAuthRequests bounds the auth requests (sign-ins in progress) the
	// database holds, across every replica; DefaultMaxAuthRequests when
	// zero. doc.go (Bounds) describes what happens at the bound.
	MaxAuthRequests int
}

// Store is the PostgreSQL implementation of store.Store: the composition
// of one type per role (roles.go) over a shared base.
type Store struct {
	*base
	clientRecords
	accountRecords
	flowRecords
	grantRecords
	sessionRecords
	factorRecords
	otpRecords
	localUserRecords
	termsRecords
	orgRecords
	legacyRecords
	recordRecords
	auditLog
}

// base holds what every role shares (roles.go): the connection pool, the
// clock deciding expiry, the query timeout, the server address errors name
// and the retention Sweep applies. Its methods (inTx, exec, fail) run every
// role's statements.
type base struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	timeout   time.Duration
	addr      string // host:port, to name the database in errors
	retention store.Retention
	// maxAuthRequests bounds the auth_requests table (authrequests.go).
	maxAuthRequests int
	// audit is the audit log's group commit (mfa.go).
	audit        *store.AuditQueue
	auditCommits atomic.Int64
	// statements counts what this store sent (Statements).
	statements *statementCounter
	// seen are the rows read for an update to follow (seen.go).
	seen seenRows
	// grantReads are GetGrantWithAccount's, coalesced (grants.go).
	grantReads *coalescedRead[string, grantRow]
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as libpq and pgx accept), brings its schema up to
// date (Migrate) and returns the store. It fails with an error naming the
// server when the database is unreachable, refuses the credentials, or
// holds a schema newer than this Passerelle knows.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	if opts.MaxAuthRequests <= 0 {
		opts.MaxAuthRequests = DefaultMaxAuthRequests
	}
	counter := &statementCounter{}
	pool, err := connect(ctx, dsn, opts.MaxConns, opts.QueryTimeout, counter)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	b := &base{pool: pool, now: opts.Now, timeout: opts.QueryTimeout, addr: server(pool.Config().ConnConfig),
		retention: opts.Retention, maxAuthRequests: opts.MaxAuthRequests, statements: counter}
	return compose(b), nil
}

// connect opens a pool and checks, within timeout, that the server
// answers and accepts the credentials.
func connect(ctx context.Context, dsn string, maxConns int, timeout time.Duration, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the DSN, password included, in its parse errors.
		return nil, errors.New("postgres DSN is not valid: expected postgres://user@host:port/database?params or key=value pairs")
	}
	cfg.ConnConfig.Tracer = tracer
	switch {
	case maxConns > 0:
		cfg.MaxConns = int32(min(maxConns, 1<<30))
	case !strings.Contains(dsn, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: %w", server(cfg.ConnConfig), err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, connectError(cfg.ConnConfig, err)
	}
	return pool, nil
}

// server names the first host of a configuration as host:port.
func server(cfg *pgx.ConnConfig) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// connectError turns a failed first contact into a message an operator
// can act on.
func connectError(cfg *pgx.ConnConfig, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return fmt.Errorf("postgres at %s refused to authenticate user %q: %w", server(cfg), cfg.User, err)
		case "3D000": // invalid_catalog_name
			return fmt.Errorf("postgres at %s has no database %q: %w", server(cfg), cfg.Database, err)
		}
		return fmt.Errorf("postgres at %s refused the connection: %w", server(cfg), err)
	}
	return fmt.Errorf("postgres at %s is unreachable: %w", server(cfg), err)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.fail(s.pool.Ping(ctx))
}

// fail names the database in an error that is not a contract answer
// (a lost connection, a timeout), so an operator's log line says where
// the trouble is.
func (s *base) fail(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) || errors.Is(err, store.ErrConflict) {
		return err
	}
	return fmt.Errorf("postgres at %s: %w", s.addr, err)
}

// Close commits the queued audit events, then closes every connection
// of the pool.
func (s *Store) Close() error {
	err := s.audit.Close()
	s.pool.Close()
	return err
}

// live is the SQL condition of a transient record that has not expired
// at the time bound to parameter n. A NULL expires_at never expires.
func live(n int) string {
	return fmt.Sprintf("(expires_at IS NULL OR expires_at >= $%d)", n)
}

// expiry is the expires_at column value of a record: NULL for a zero time.
func expiry(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// inTx runs fn in one transaction under the query timeout: committed when
// fn returns nil, rolled back otherwise. fn must run its statements with
// the context it is given, which carries the timeout.
func (s *base) inTx(ctx context.Context, fn func(context.Context, pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.fail(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) }))
}

// exec runs one statement under the query timeout.
func (s *base) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	tag, err := s.pool.Exec(ctx, sql, args...)
	return tag, s.fail(err)
}

// violation returns the constraint named by a unique (23505) or foreign
// key (23503) violation, by SQLSTATE; ok is false for any other error.
func violation(err error) (code, constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23503") {
		return pgErr.Code, pgErr.ConstraintName, true
	}
	return "", "", false
}

// contractError maps a constraint violation to a contract error: a
// duplicate key is onDuplicate (ErrAlreadyExists on create, ErrConflict on
// update), a missing referenced row is ErrNotFound. Other errors pass
// through.
func contractError(err error, noun string, onDuplicate error) error {
	code, constraint, ok := violation(err)
	switch {
	case !ok:
		return err
	case code == "23503":
		return fmt.Errorf("store/postgres: %s refers to a missing record (%s): %w", noun, constraint, store.ErrNotFound)
	default:
		return fmt.Errorf("store/postgres: %s (%s): %w", noun, constraint, onDuplicate)
	}
}

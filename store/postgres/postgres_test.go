package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// newStore opens a store in a fresh schema.
func newStore(t *testing.T, now func() time.Time) store.Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t), Options{Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.DSN(t)
	storetest.Run(t, newStore)
}

func TestRetention(t *testing.T) {
	pgtest.DSN(t)
	storetest.RunRetention(t, func(t *testing.T, now func() time.Time, r store.Retention) store.Store {
		s, err := Open(t.Context(), pgtest.Schema(t), Options{Now: now, Retention: r})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConcurrency(t *testing.T) {
	pgtest.DSN(t)
	storetest.RunConcurrency(t, newStore)
}

func TestOpenUnreachable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://passerelle@127.0.0.1:1/passerelle?sslmode=disable", Options{QueryTimeout: 2 * time.Second})
	want := "postgres at 127.0.0.1:1 is unreachable: "
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open: got %v, want %q", err, want)
	}
}

func TestOpenInvalidDSN(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:hunter2@127.0.0.1:notaport/db", Options{})
	if err == nil || !strings.Contains(err.Error(), "postgres DSN is not valid") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Open: got %v, want a DSN error without the password", err)
	}
}

func TestOpenMissingDatabase(t *testing.T) {
	cfg, err := pgx.ParseConfig(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	dsn := strings.Replace(pgtest.DSN(t), "/"+cfg.Database, "/passerelle_absent", 1)
	_, err = Open(t.Context(), dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), `has no database "passerelle_absent"`) {
		t.Fatalf("Open: got %v, want a missing-database error", err)
	}
}

// TestMigrateConcurrently: two processes starting at once on an empty
// schema both succeed, and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	dsn := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = Migrate(t.Context(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	if err := Migrate(t.Context(), dsn); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	conn := connect1(t, dsn)
	var applied, versions int
	if err := conn.QueryRow(t.Context(),
		"SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	if applied != versions || versions == 0 {
		t.Errorf("goose_db_version: %d rows for %d versions", applied, versions)
	}
	s, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	defer s.Close()
	if err := s.CreateClient(t.Context(), store.Client{ID: "portal"}); err != nil {
		t.Errorf("CreateClient: %v", err)
	}
}

func TestSchemaNewer(t *testing.T) {
	dsn := pgtest.Schema(t)
	if err := Migrate(t.Context(), dsn); err != nil {
		t.Fatal(err)
	}
	conn := connect1(t, dsn)
	if _, err := conn.Exec(t.Context(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, true)"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), "schema has version 999, newer than the") {
		t.Fatalf("Open: got %v, want a newer-schema error", err)
	}
}

// TestQueryTimeout: a query blocked behind a row lock gives up after
// Options.QueryTimeout.
func TestQueryTimeout(t *testing.T) {
	dsn := pgtest.Schema(t)
	s, err := Open(t.Context(), dsn, Options{QueryTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateClient(t.Context(), store.Client{ID: "portal"}); err != nil {
		t.Fatal(err)
	}
	holder := connect1(t, dsn)
	tx, err := holder.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), "SELECT 1 FROM clients WHERE id = 'portal' FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.UpdateClient(t.Context(), "portal", func(c store.Client) (store.Client, error) { return c, nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("UpdateClient on a locked row: got %v after %s, want a deadline error after 200ms", err, time.Since(start))
	}
}

// connect1 opens one connection for the test to look inside the schema.
func connect1(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPoolSize: the pool holds Options.MaxConns connections at most,
// else the DSN's pool_max_conns, else DefaultMaxConns.
func TestPoolSize(t *testing.T) {
	dsn := pgtest.Schema(t)
	for _, tc := range []struct {
		dsn      string
		maxConns int
		want     int32
	}{
		{dsn, 0, DefaultMaxConns},
		{dsn + "&pool_max_conns=3", 0, 3},
		{dsn + "&pool_max_conns=3", 5, 5},
	} {
		s, err := Open(t.Context(), tc.dsn, Options{MaxConns: tc.maxConns})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.pool.Config().MaxConns; got != tc.want {
			t.Errorf("MaxConns %d with the DSN's pool_max_conns %v: a pool of %d, want %d",
				tc.maxConns, strings.Contains(tc.dsn, "pool_max_conns"), got, tc.want)
		}
		s.Close()
	}
}

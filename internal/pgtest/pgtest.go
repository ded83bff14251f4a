package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/internal/randid"
)

// Variable names the database the tests run against, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const Variable = "PASSERELLE_TEST_POSTGRES_DSN"

// DSN returns the test database's DSN, or skips the test.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Variable)
	if dsn == "" {
		t.Skip(Variable + " is not set: set it to a PostgreSQL URL (postgres://user@host:5432/db?sslmode=disable) to run the tests that need PostgreSQL")
	}
	return dsn
}

// Schema creates an empty schema with a random name, drops it when the
// test ends, and returns a DSN whose search_path selects it. It skips the
// test where Variable is not set.
func Schema(t testing.TB) (dsn string) {
	t.Helper()
	server, name := Named(t, "passerelle_test_")
	return WithSearchPath(server, name)
}

// Named is Schema for a test that rewrites the DSN itself: it returns the
// server's DSN (Variable's value) and the schema's name, prefix followed
// by random hexadecimal.
func Named(t testing.TB, prefix string) (dsn, schema string) {
	t.Helper()
	dsn = DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schema, drop, err := Create(ctx, dsn, prefix)
	if err != nil {
		t.Fatalf("%s: %v", Variable, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Errorf("%s: %v", Variable, err)
		}
	})
	return dsn, schema
}

// Create creates an empty schema named prefix followed by random
// hexadecimal on the server dsn names; drop removes it with its content.
func Create(ctx context.Context, dsn, prefix string) (schema string, drop func(context.Context) error, err error) {
	schema = prefix + randid.Hex(6)
	if err := exec(ctx, dsn, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	return schema, func(ctx context.Context) error { return exec(ctx, dsn, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

// exec runs one statement on a connection of its own.
func exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// WithSearchPath adds search_path to a URL or key=value DSN.
func WithSearchPath(dsn, schema string) string {
	switch {
	case !strings.Contains(dsn, "://"):
		return dsn + " search_path=" + schema
	case strings.Contains(dsn, "?"):
		return dsn + "&search_path=" + schema
	default:
		return dsn + "?search_path=" + schema
	}
}

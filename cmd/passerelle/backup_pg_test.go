package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/syncbuf"
)

// TestPostgresBackupRestoreKeepsRefreshToken is the operator's path on
// PostgreSQL, with the commands `store backup` and doc.go give: a person
// signs in; pg_dump -Fc -f OUT DSN copies the database while the broker
// serves it; the broker stops and the database is dropped and created
// empty; pg_restore -d DSN OUT puts the copy back; the broker starts
// again and the refresh token still works.
func TestPostgresBackupRestoreKeepsRefreshToken(t *testing.T) {
	dsn := scratchDatabase(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH (Debian: apt-get install postgresql-client): %v", tool, err)
		}
	}
	s := signIn(t, fmt.Sprintf("{driver: postgres, postgres: {dsn: %q}}", dsn))

	var out syncbuf.Buffer
	err := run(t.Context(), []string{"store", "backup", "-config", s.cfg, "unused"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "pg_dump -Fc -f OUT DSN; restore with pg_restore -d DSN OUT") {
		t.Fatalf("store backup on PostgreSQL: %v, want the pg_dump and pg_restore commands", err)
	}
	backup := filepath.Join(t.TempDir(), "passerelle.dump")
	pgTool(t, "pg_dump", "-Fc", "-f", backup, dsn)
	s.stop()

	recreate(t, dsn)
	pgTool(t, "pg_restore", "-d", dsn, backup)
	s.restartAndRefresh(t)
}

// scratchDatabase creates an empty database of its own on the test
// server, dropped when the test ends, and returns its DSN: pg_dump and
// pg_restore take the whole database (libpq refuses the search_path
// parameter pgtest.Schema's DSNs carry).
func scratchDatabase(t *testing.T) string {
	t.Helper()
	server := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		t.Fatal(err)
	}
	name := "passerelle_restore_" + randid.Hex(6)
	adminExec(t, server, "CREATE DATABASE "+name)
	t.Cleanup(func() { adminExec(t, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return strings.Replace(server, "/"+cfg.Database, "/"+name, 1)
}

// recreate drops the database dsn names and creates it again, empty.
func recreate(t *testing.T, dsn string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	server := pgtest.DSN(t)
	adminExec(t, server, "DROP DATABASE "+cfg.Database+" WITH (FORCE)")
	adminExec(t, server, "CREATE DATABASE "+cfg.Database)
}

// adminExec runs one statement on the test server's own database.
func adminExec(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// pgTool runs a PostgreSQL client tool and fails the test on an error.
func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the schema, one numbered goose SQL file per version.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is the session-level advisory lock that serialises
// migrations: the CRC-32 (IEEE) of "passerelle", so it does not collide
// with goose's default ID used by other applications in the same database.
const migrationLockID = 0xc30a8d83

// migrationLockWait is how long (in seconds, probing each second) a
// migration waits for another process to finish its own.
const migrationLockWait = 300

// Migrate brings the schema of the database named by dsn up to date and
// returns once it is: run twice, or by several processes at once, it
// applies each migration exactly once (goose, under a PostgreSQL advisory
// lock). The schema lives in the connection's search_path, so a DSN with
// search_path=NAME keeps Passerelle's tables in schema NAME. It refuses a
// database whose schema is newer than this Passerelle.
func Migrate(ctx context.Context, dsn string) error {
	pool, err := connect(ctx, dsn, 0, DefaultQueryTimeout, nil)
	if err != nil {
		return err
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

// migrate runs the embedded migrations on pool.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID),
		lock.WithLockTimeout(1, migrationLockWait),
	)
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	)
	if err != nil {
		return fmt.Errorf("store/postgres: migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("store/postgres: migrating the schema: %w", err)
	}
	current, known, err := provider.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("store/postgres: reading the schema version: %w", err)
	}
	if current > known {
		return fmt.Errorf("postgres schema has version %d, newer than the %d this Passerelle supports: upgrade Passerelle", current, known)
	}
	return nil
}

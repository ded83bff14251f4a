package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/internal/pgtest"
)

// soakStore is the store the soak's server runs on: its section of the
// configuration, its size now, and what is printed of it once the server
// has stopped.
type soakStore struct {
	name        string
	yaml        string
	size        func() int64
	composition func() error
	close       func()
}

// boltStore is a fresh bbolt file in dir.
func boltStore(dir string) *soakStore {
	path := filepath.Join(dir, "passerelle.db")
	return &soakStore{
		name: "bbolt (fsync on)",
		yaml: fmt.Sprintf("{bolt: {path: %q}}", path),
		size: func() int64 {
			if st, err := os.Stat(path); err == nil {
				return st.Size()
			}
			return 0
		},
		composition: func() error { return composition(path) },
		close:       func() {},
	}
}

// postgresStore is a fresh schema in the database dsn names, dropped at
// the end unless keep. Its size is its tables' with their indexes and
// TOAST (pg_total_relation_size).
func postgresStore(dsn string, keep bool) (*soakStore, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema, drop, err := pgtest.Create(ctx, dsn, "passerelle_soak_")
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &soakStore{
		name: "PostgreSQL schema " + schema,
		yaml: fmt.Sprintf("{driver: postgres, postgres: {dsn: %q}}", pgtest.WithSearchPath(dsn, schema)),
		size: func() int64 {
			var n int64
			_ = conn.QueryRow(context.Background(), `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
				FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
				WHERE ns.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&n)
			return n
		},
		composition: func() error {
			rows, err := conn.Query(context.Background(), `SELECT relname, n_live_tup, pg_total_relation_size(relid)
				FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY 3 DESC`, schema)
			if err != nil {
				return err
			}
			defer rows.Close()
			fmt.Printf("\nstore after the run (%s):\n%-24s %9s %11s %9s\n", schema, "table", "live rows", "bytes", "per row")
			for rows.Next() {
				var name string
				var live, bytes int64
				if err := rows.Scan(&name, &live, &bytes); err != nil {
					return err
				}
				fmt.Printf("%-24s %9d %11d %9d\n", name, live, bytes, bytes/max(live, 1))
			}
			return rows.Err()
		},
		close: func() {
			conn.Close(context.Background())
			if keep {
				fmt.Println("keeping schema", schema)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = drop(ctx)
		},
	}
	return s, nil
}

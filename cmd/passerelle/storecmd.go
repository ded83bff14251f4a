package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/passerelle/passerelle/store/postgres"
)

// storeCmd: `passerelle store copy` moves a bbolt file's data into the
// configured PostgreSQL; `passerelle store migrate` applies the PostgreSQL schema's
// migrations (safe to run twice, or from two replicas at once: they take
// an advisory lock); `store backup` and `store compact` copy and shrink
// the bbolt file (backup.go).
func storeCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "copy":
			return storeCopy(ctx, args[1:], stdout)
		case "backup":
			return storeBackup(ctx, args[1:], stdout)
		case "compact":
			return storeCompact(ctx, args[1:], stdout)
		}
	}
	const use = "usage: passerelle store migrate|copy|backup|compact [-config FILE] [-from FILE.db] [OUT]"
	if len(args) == 0 || args[0] != "migrate" {
		return usageError(use)
	}
	fs := flag.NewFlagSet("store migrate", flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Store.Driver != "postgres" {
		return fmt.Errorf("store migrate: store.driver is %q; the embedded store needs no migration", cfg.Store.Driver)
	}
	if err := postgres.Migrate(ctx, cfg.Store.Postgres.DSN); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "store: schema up to date")
	return nil
}

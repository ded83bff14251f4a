package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// storeCopy: `passerelle store copy -from FILE.db -config FILE` copies
// every durable record of a bbolt file into the PostgreSQL database that
// the configuration names (store.Copy; sign-ins in progress, codes and
// rate counters stay behind). Stop the broker that uses the file first:
// bbolt lets one process at a time open it. Serve from the database with
// the same master key: signing keys and factor secrets are sealed with
// it. Running the command again skips what the database already holds.
func storeCopy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("store copy", flag.ContinueOnError)
	from := fs.String("from", "", "the bbolt store file to copy from")
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file naming the PostgreSQL database (store.driver postgres)")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if *from == "" || fs.NArg() > 0 {
		return usageError("usage: passerelle store copy -from FILE.db -config FILE")
	}
	// bolt.Open would create a missing file: an empty copy, by mistake.
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("store copy: %w", err)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Store.Driver != "postgres" {
		return fmt.Errorf("store copy: store.driver is %q in %s; the copy goes into PostgreSQL (store.driver: postgres)", cfg.Store.Driver, *cfgPath)
	}
	src, err := bolt.Open(*from, bolt.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStore(ctx, cfg) // store.driver is postgres
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := store.Copy(ctx, src, dst)
	if werr := printCounts(stdout, counts); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("store copy stopped (run it again to finish; what is copied is skipped): %w", err)
	}
	fmt.Fprintln(stdout, "store: copy complete")
	return nil
}

// printCounts writes one line per kind: records copied, and skipped
// (already in the database, or expired).
func printCounts(w io.Writer, counts map[string]int) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tCOPIED\tSKIPPED")
	kinds := []string{store.KindClient, store.KindSigningKey, store.KindAccount, store.KindLink, store.KindGrant,
		store.KindSession, store.KindFactor, store.KindLocalUser, store.KindTermsAcceptance, store.KindAudit}
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", strings.ReplaceAll(k, "_", " "), counts[k], counts[k+store.SkippedSuffix])
	}
	return tw.Flush()
}

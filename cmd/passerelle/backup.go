package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/passerelle/passerelle/store/bolt"
)

// lockWait is how long store backup and store compact wait for the store
// file's lock before deciding a broker is serving it.
const lockWait = 500 * time.Millisecond

// storeBackup: `passerelle store backup [-config FILE] [-server URL] OUT`
// writes a consistent copy of the bbolt store to OUT. A stopped file is
// read directly (under a shared lock). A file a running broker holds (it
// keeps the exclusive lock while it serves) is copied by that broker from
// one read transaction and downloaded through the admin API (GET
// /admin/store/backup with admin.token), from -server, by default the
// broker's own listener. The copy goes to OUT.tmp, is synced, then
// renamed to OUT, so OUT is always a whole copy. PostgreSQL is backed up
// with pg_dump (doc.go).
func storeBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("store backup", flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	server := fs.String("server", "", "base URL of the running broker (default: its listener, server.listen)")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: passerelle store backup [-config FILE] [-server URL] OUT")
	}
	out := fs.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Store.Driver != "bolt" {
		return fmt.Errorf("store backup: store.driver is %q: back PostgreSQL up with pg_dump (pg_dump -Fc -f OUT DSN; restore with pg_restore -d DSN OUT)", cfg.Store.Driver)
	}
	path := cfg.Store.Bolt.Path
	n, from, err := writeAtomically(out, func(w io.Writer) (int64, string, error) {
		n, err := bolt.BackupFile(path, w, lockWait)
		if !bolt.IsLocked(err) {
			return n, "the stopped file " + path, err
		}
		base := *server
		if base == "" {
			base = listenerURL(cfg)
		}
		n, err = downloadBackup(ctx, cfg, base, w)
		return n, "the broker at " + base, err
	})
	if err != nil {
		return fmt.Errorf("store backup: %w", err)
	}
	fmt.Fprintf(stdout, "store: backup of %s written to %s (%d bytes)\n", from, out, n)
	return nil
}

// listenerURL is the broker's own listener as a URL on loopback when it
// listens on every address.
func listenerURL(cfg *Config) string {
	host, port, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil {
		return cfg.Server.Issuer
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if cfg.Server.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// downloadBackup fetches GET base/admin/store/backup into w with the
// admin token and checks that the whole copy arrived.
func downloadBackup(ctx context.Context, cfg *Config, base string, w io.Writer) (int64, error) {
	token, err := cfg.Admin.ResolveToken()
	if err != nil {
		return 0, err
	}
	if token == "" {
		return 0, errors.New("the store file is in use by a running broker and admin.token is not set: set it (the broker then serves its own backup) or stop the broker")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/admin/store/backup", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("the store file is in use; asking the running broker: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("the broker at %s answered %s: %s", base, resp.Status, body)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("copy cut short: %d of %s bytes", n, strconv.FormatInt(resp.ContentLength, 10))
	}
	return n, err
}

// writeAtomically runs write into out+".tmp", syncs it and renames it to
// out, or removes it on failure.
func writeAtomically(out string, write func(io.Writer) (int64, string, error)) (int64, string, error) {
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, "", err
	}
	n, from, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, from, err
	}
	if d, err := os.Open(filepath.Dir(out)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return n, from, nil
}

// storeCompact: `passerelle store compact [-config FILE]` rewrites the
// stopped bbolt file to its live data (bolt.CompactFile). It refuses a
// file a broker is serving.
func storeCompact(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("store compact", flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Store.Driver != "bolt" {
		return fmt.Errorf("store compact: store.driver is %q: PostgreSQL reclaims space with VACUUM (autovacuum; VACUUM FULL to return it to the system)", cfg.Store.Driver)
	}
	before, after, err := bolt.CompactFile(cfg.Store.Bolt.Path, lockWait)
	if bolt.IsLocked(err) {
		return fmt.Errorf("store compact: %w; stop the broker first (compaction needs the file to itself)", err)
	}
	if err != nil {
		return fmt.Errorf("store compact: %w", err)
	}
	fmt.Fprintf(stdout, "store: %s compacted from %d to %d bytes\n", cfg.Store.Bolt.Path, before, after)
	return nil
}

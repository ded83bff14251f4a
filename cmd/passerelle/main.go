package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/passerelle/passerelle/broker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "passerelle:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError string

func (u usageError) Error() string { return string(u) }

// usage lists every command run dispatches, with its flags; doc.go says
// the same at more length, and TestUsageListsEveryCommand checks that it
// names exactly the commands and subcommands that run dispatches.
const usage = `usage:
  passerelle serve [-config FILE]
  passerelle demo [-addr HOST:PORT] [-side HOST:PORT] [-data DIR]
  passerelle config validate FILE
  passerelle clients list [-config FILE] [-server URL]
  passerelle clients add [-config FILE] -id ID -redirect-uri URI [-redirect-uri URI ...]
        [-post-logout-redirect-uri URI ...] [-allow-provider P ...] [-upstream-claim email|name|locale ...] [-public]
        [-name-en NAME] [-name-fr NAME] [-backchannel-logout-uri URI] [-frontchannel-logout-uri URI] [-server URL]
  passerelle clients remove|rotate-secret [-config FILE] [-server URL] -id ID
  passerelle accounts show|lock|unlock|reactivate|reset-mfa [-config FILE] -urn URN
  passerelle accounts unlink [-config FILE] -urn URN -provider P
  passerelle legacy import [-config FILE] -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] ACCOUNTS
  passerelle legacy show [-config FILE] -client ID -urn URN|-legacy-id ID
  passerelle legacy unlink [-config FILE] -client ID -urn URN
  passerelle records import [-config FILE] -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] RECORDS
  passerelle records show|unlink [-config FILE] -client ID -urn URN
  passerelle records requests [-config FILE] -client ID [-all]
  passerelle records resolve [-config FILE] -client ID -request ID -link|-close [-note TEXT]
  passerelle keys list|rotate [-config FILE]
  passerelle orgs list|show|create|add-member|set-role|remove-member|transfer|set-status|invite|revoke|letters|void-letters
        [-config FILE] -client ID [-org ID] [-urn URN] [-role ROLE] [-invitation ID] [-status S]
        [-number N] [-name-en NAME] [-name-fr NAME] [-pending]
  passerelle store migrate [-config FILE]
  passerelle store copy -from FILE.db [-config FILE]
  passerelle store backup [-config FILE] [-server URL] OUT
  passerelle store compact [-config FILE]
  passerelle audit export [-config FILE] [-since DURATION|RFC3339]
  passerelle help

-config defaults to passerelle.yaml, -addr to localhost:8080, -data to
passerelle-demo, -since to 24h.`

// run dispatches a subcommand; it is main without the process around it,
// so tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError(usage)
	}
	logger := slog.New(broker.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	slog.SetDefault(logger) // the OpenID library logs through the default logger
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		tuneGC(memlimit.FromCgroup, logger)
		return serve(ctx, *cfgPath, logger, stdout)
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		addr := fs.String("addr", "localhost:8080", "address of the broker")
		data := fs.String("data", "passerelle-demo", "directory for the demo's store and master key")
		side := fs.String("side", "", "address of the demo's relying parties, upstreams and outbox (default: 127.0.0.1 at the broker's port plus one)")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		tuneGC(memlimit.FromCgroup, logger)
		return demo(ctx, *addr, *side, *data, logger, stdout)
	case "config":
		if len(rest) != 2 || rest[0] != "validate" {
			return usageError("usage: passerelle config validate FILE")
		}
		cfg, err := loadConfig(rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, rest[1]+": valid")
		for _, n := range cfg.notes() {
			fmt.Fprintln(stdout, "note: "+n)
		}
		return nil
	case "clients":
		return clientsCmd(ctx, rest, stdout)
	case "keys":
		return keysCmd(ctx, rest, stdout)
	case "legacy":
		return legacyCmd(ctx, rest, stdout)
	case "records":
		return recordsCmd(ctx, rest, stdout)
	case "accounts":
		return accountsCmd(ctx, rest, stdout)
	case "orgs":
		return orgsCmd(ctx, rest, stdout)
	case "store":
		return storeCmd(ctx, rest, stdout)
	case "audit":
		return auditCmd(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError("unknown command " + cmd + "\n" + usage)
}

// parseFlags parses a command's flags; a stray positional argument is a
// usage error (so "serve prod.yaml" does not quietly read passerelle.yaml).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	return nil
}

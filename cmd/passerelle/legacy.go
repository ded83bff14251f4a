package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/passerelle/passerelle/admin"
)

// The legacy-account commands (clients[].steps: [legacy]):
//
//	passerelle legacy import -config FILE -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] ACCOUNTS
//	passerelle legacy show -config FILE -client ID -urn URN | -legacy-id ID
//	passerelle legacy unlink -config FILE -client ID -urn URN [-lang en|fr]
//
// import prints every bad row with its line and imports nothing unless
// told to skip them; the format defaults to the file's extension, the
// report's language to the environment's (reportLang).
func legacyCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle legacy import|show|unlink -config FILE -client ID ..."
	if len(args) == 0 {
		return usageError(use)
	}
	fs := flag.NewFlagSet("legacy "+args[0], flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	client := fs.String("client", "", "client ID whose legacy accounts these are")
	urn := fs.String("urn", "", "the account's User Reference Number")
	legacyID := fs.String("legacy-id", "", "a legacy ID (show: which account linked it)")
	format := fs.String("format", "", "csv or json (default: the file's extension)")
	skipBad := fs.Bool("skip-bad-rows", false, "import the good rows of a file that has bad ones")
	lang := langFlag(fs)
	var op func(svc *admin.Service) error
	switch args[0] {
	case "import":
		op = func(svc *admin.Service) error {
			return importFile(stdout, *lang, fs.Arg(0), *format, "report.legacy", *client, func(f io.Reader, format string) (admin.ImportReport, error) {
				return svc.ImportLegacy(ctx, *client, f, format, *skipBad)
			})
		}
	case "show":
		op = func(svc *admin.Service) error {
			var v admin.LegacyLinkView
			var err error
			if *legacyID != "" {
				v, err = svc.LegacyHolder(ctx, *client, *legacyID)
			} else {
				v, err = svc.LegacyLink(ctx, *client, *urn)
			}
			if err != nil {
				return err
			}
			return printJSON(stdout, v)
		}
	case "unlink":
		op = func(svc *admin.Service) error {
			if err := svc.UnlinkLegacy(ctx, *client, *urn); err != nil {
				return err
			}
			fmt.Fprintln(stdout, admin.ImportText(*lang, "unlinked.legacy", *urn, *client))
			return nil
		}
	default:
		return usageError(use)
	}
	if err := parseClientCommand(fs, "legacy", args, client, lang, "one file of accounts"); err != nil {
		return err
	}
	switch {
	case args[0] == "unlink" && *urn == "", args[0] == "show" && *urn == "" && *legacyID == "":
		return usageError("legacy " + args[0] + " needs -urn")
	}
	return withAdmin(ctx, &adminFlags{cfgPath: cfgPath}, op)
}

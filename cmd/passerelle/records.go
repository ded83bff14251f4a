package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/passerelle/passerelle/admin"
)

// The record-linking commands (clients[].steps: [record]):
//
//	passerelle records import -config FILE -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] RECORDS
//	passerelle records show -config FILE -client ID -urn URN
//	passerelle records unlink -config FILE -client ID -urn URN [-lang en|fr]
//	passerelle records requests -config FILE -client ID [-all]
//	passerelle records resolve -config FILE -client ID -request ID -link|-close [-note TEXT]
func recordsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle records import|show|unlink|requests|resolve -config FILE -client ID ..."
	if len(args) == 0 {
		return usageError(use)
	}
	fs := flag.NewFlagSet("records "+args[0], flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	client := fs.String("client", "", "client ID whose records these are")
	skipBad := fs.Bool("skip-bad-rows", false, "import the good rows of a file that has bad ones")
	format := fs.String("format", "", "csv or json (default: the file's extension)")
	lang := langFlag(fs)
	all := fs.Bool("all", false, "requests: the resolved ones too")
	request := fs.String("request", "", "resolve: the request's ID")
	link := fs.Bool("link", false, "resolve: link the record to the person's account")
	closeIt := fs.Bool("close", false, "resolve: close the request without a link")
	note := fs.String("note", "", "resolve: what the agent did")
	urn := fs.String("urn", "", "show, unlink: the account's User Reference Number")
	var op func(svc *admin.Service) error
	switch args[0] {
	case "import":
		op = func(svc *admin.Service) error {
			return importFile(stdout, *lang, fs.Arg(0), *format, "report.records", *client, func(f io.Reader, format string) (admin.ImportReport, error) {
				return svc.ImportRecords(ctx, *client, f, format, *skipBad)
			})
		}
	case "show":
		op = func(svc *admin.Service) error {
			v, err := svc.RecordLink(ctx, *client, *urn)
			if err != nil {
				return err
			}
			return printJSON(stdout, v)
		}
	case "unlink":
		op = func(svc *admin.Service) error {
			if err := svc.UnlinkRecord(ctx, *client, *urn); err != nil {
				return err
			}
			fmt.Fprintln(stdout, admin.ImportText(*lang, "unlinked.record", *urn, *client))
			return nil
		}
	case "requests":
		op = func(svc *admin.Service) error {
			list, err := svc.AssistRequests(ctx, *client, *all)
			if err != nil {
				return err
			}
			return printJSON(stdout, list)
		}
	case "resolve":
		op = func(svc *admin.Service) error {
			v, err := svc.ResolveAssist(ctx, *client, *request, *link, *note)
			if err != nil {
				return err
			}
			return printJSON(stdout, v)
		}
	default:
		return usageError(use)
	}
	if err := parseClientCommand(fs, "records", args, client, lang, "one record file"); err != nil {
		return err
	}
	switch {
	case args[0] == "resolve" && (*request == "" || *link == *closeIt):
		return usageError("records resolve needs -request and one of -link or -close")
	case (args[0] == "show" || args[0] == "unlink") && *urn == "":
		return usageError("records " + args[0] + " needs -urn")
	}
	return withAdmin(ctx, &adminFlags{cfgPath: cfgPath}, op)
}

// printJSON prints v as indented JSON.
func printJSON(stdout io.Writer, v any) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseClientCommand parses the flags of "group args[0] ..." and makes the
// checks every per-client import command shares: -client is given, import
// takes exactly one file (what names it), any other operation none; lang
// (-lang) becomes the report's language.
func parseClientCommand(fs *flag.FlagSet, group string, args []string, client, lang *string, what string) error {
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	l, err := reportLang(*lang, os.Getenv)
	if err != nil {
		return err
	}
	*lang = l
	switch op := args[0]; {
	case *client == "":
		return usageError(group + " " + op + " needs -client")
	case op == "import" && fs.NArg() != 1:
		return usageError(group + " import needs " + what)
	case op != "import" && fs.NArg() > 0:
		return usageError(fmt.Sprintf("%s %s: unexpected argument %q", group, op, fs.Arg(0)))
	}
	return nil
}

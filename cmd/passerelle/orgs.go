package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/passerelle/passerelle/admin"
)

// orgsCmd runs the administrators' operations on a client's
// organizations (admin.Service, the same as the admin API's):
//
//	passerelle orgs list|create|show|add-member|set-role|remove-member|transfer|set-status|invite|revoke|letters|void-letters
//
// letters is the operator's export of activation codes for the mail
// house: one CSV line per letter (client number, names, code, expiry),
// each code made now and shown this once. void-letters voids every letter
// of a pending organization (-org), one reported stolen or misdelivered;
// the business then asks for a new one.
func orgsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle orgs list|create|show|add-member|set-role|remove-member|transfer|set-status|invite|revoke|letters|void-letters -config FILE -client ID [-org ID] [-urn URN] [-role ROLE] ..."
	if len(args) == 0 {
		return usageError(use)
	}
	fs := flag.NewFlagSet("orgs "+args[0], flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	client := fs.String("client", "", "the client (relying party) whose organizations these are")
	org := fs.String("org", "", "organization ID")
	urn := fs.String("urn", "", "the member's User Reference Number")
	role := fs.String("role", "", "a role of the client's table")
	number := fs.String("number", "", "the client's external number for the organization (create)")
	nameEN := fs.String("name-en", "", "name in English (create)")
	nameFR := fs.String("name-fr", "", "name in French (create)")
	pending := fs.Bool("pending", false, "create: awaiting activation by a mailed code")
	invitation := fs.String("invitation", "", "invitation ID (revoke)")
	status := fs.String("status", "", "set-status: active or suspended")
	show := func(v any) error {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	done := func(err error) error {
		if err != nil {
			return fmt.Errorf("organization %s of %s: %w", *org, *client, err)
		}
		fmt.Fprintf(stdout, "organization %s: %s done\n", *org, args[0])
		return nil
	}
	var op func(*admin.Service) error
	switch args[0] {
	case "list":
		op = func(svc *admin.Service) error {
			list, err := svc.Orgs(ctx, *client)
			if err != nil {
				return err
			}
			return show(list)
		}
	case "show":
		op = func(svc *admin.Service) error {
			v, err := svc.Org(ctx, *client, *org)
			if err != nil {
				return err
			}
			return show(v)
		}
	case "create":
		op = func(svc *admin.Service) error {
			initial := ""
			if *pending {
				initial = "pending"
			}
			v, err := svc.CreateOrg(ctx, *client, admin.NewOrg{Names: map[string]string{"en": *nameEN, "fr": *nameFR},
				ExternalNumber: *number, Status: initial})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "organization %s created (%s)\n", v.ID, v.Status)
			return nil
		}
	case "add-member":
		op = func(svc *admin.Service) error { return done(svc.AddOrgMember(ctx, *client, *org, *urn, *role)) }
	case "set-role":
		op = func(svc *admin.Service) error { return done(svc.SetOrgRole(ctx, *client, *org, *urn, *role)) }
	case "remove-member":
		op = func(svc *admin.Service) error { return done(svc.RemoveOrgMember(ctx, *client, *org, *urn)) }
	case "transfer":
		op = func(svc *admin.Service) error { return done(svc.TransferOrg(ctx, *client, *org, *urn)) }
	case "set-status":
		op = func(svc *admin.Service) error { return done(svc.SetOrgStatus(ctx, *client, *org, *status)) }
	case "revoke":
		op = func(svc *admin.Service) error { return done(svc.RevokeInvitation(ctx, *client, *org, *invitation)) }
	case "invite":
		op = func(svc *admin.Service) error {
			code, inv, err := svc.InviteToOrg(ctx, *client, *org, *role)
			if err != nil {
				return done(err)
			}
			fmt.Fprintf(stdout, "invitation %s for role %s, valid until %s\ncode (shown once, stored hashed): %s\n",
				inv.ID, inv.Role, inv.ExpiresAt.Format(time.RFC3339), code)
			return nil
		}
	case "void-letters":
		op = func(svc *admin.Service) error {
			n, err := svc.VoidOrgLetters(ctx, *client, *org)
			if err != nil {
				return done(err)
			}
			fmt.Fprintf(stdout, "organization %s: %d activation letter(s) voided\n", *org, n)
			return nil
		}
	case "letters":
		op = func(svc *admin.Service) error {
			letters, err := svc.Letters(ctx, *client)
			if err != nil {
				return err
			}
			w := csv.NewWriter(stdout)
			_ = w.Write([]string{"external_number", "name_en", "name_fr", "activation_code", "expires_at"})
			for _, l := range letters {
				_ = w.Write([]string{l.Number, l.Names["en"], l.Names["fr"], l.Code, l.ExpiresAt.Format(time.RFC3339)})
			}
			w.Flush()
			return w.Error()
		}
	default:
		return usageError(use)
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *client == "" {
		return usageError("orgs " + args[0] + ": -client is required")
	}
	return withAdmin(ctx, &adminFlags{cfgPath: cfgPath}, op)
}

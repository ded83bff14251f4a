package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// The administrators' commands. They run the same operations as the
// admin HTTP API (package admin), on the configured store; every change is
// audited with actor "admin".
//
//	passerelle clients list|add|remove|rotate-secret -config FILE [-id ID ...]
//	passerelle accounts show|lock|unlock|reactivate|reset-mfa|unlink -config FILE -urn URN [-provider P]
//	passerelle keys list|rotate -config FILE

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// adminFlags are the flags every admin command shares.
type adminFlags struct {
	fs        *flag.FlagSet
	cfgPath   *string
	server    *string
	id, urn   *string
	provider  *string
	public    *bool
	nameEN    *string
	nameFR    *string
	redirects multi
	logouts   multi
	// backchannel and frontchannel are the client's logout notification URIs.
	backchannel, frontchannel *string
	providers                 multi
	claims                    multi
	// steps and orgsFile: the client's steps (organization) and the file
	// of its organizations (clients[].organizations' shape, YAML or JSON).
	steps    multi
	orgsFile *string
}

func newAdminFlags(name string) *adminFlags {
	f := &adminFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.cfgPath = f.fs.String("config", "passerelle.yaml", "configuration file")
	f.server = f.fs.String("server", "", "base URL of the running broker, when it holds the bbolt file (default: its listener, server.listen)")
	f.id = f.fs.String("id", "", "client ID")
	f.urn = f.fs.String("urn", "", "the account's User Reference Number")
	f.provider = f.fs.String("provider", "", "credential provider ID (accounts unlink)")
	f.public = f.fs.Bool("public", false, "public client (no secret, PKCE required)")
	f.nameEN = f.fs.String("name-en", "", "client name in English")
	f.nameFR = f.fs.String("name-fr", "", "client name in French")
	f.fs.Var(&f.redirects, "redirect-uri", "redirect URI (repeat for several)")
	f.fs.Var(&f.logouts, "post-logout-redirect-uri", "post-logout redirect URI (repeat for several)")
	f.backchannel = f.fs.String("backchannel-logout-uri", "", "where the client receives logout tokens (OpenID Back-Channel Logout)")
	f.frontchannel = f.fs.String("frontchannel-logout-uri", "", "the client's page loaded in an iframe at logout (OpenID Front-Channel Logout)")
	f.fs.Var(&f.providers, "allow-provider", "allowed provider ID (repeat; none means all)")
	f.fs.Var(&f.claims, "upstream-claim", "claim given by an upstream the client may receive: email, name or locale (repeat; none means none)")
	f.fs.Var(&f.steps, "step", "a step of the client's sign-in: organization (repeat; the other steps are set in the configuration file)")
	f.orgsFile = f.fs.String("organizations", "", "YAML file of the client's organizations: its role table and how people join (the shape of clients[].organizations)")
	return f
}

// openAdmin builds the admin service over the configured store and its
// signing keys (nothing else of the broker is needed).
func openAdmin(ctx context.Context, cfgPath string) (*admin.Service, store.Store, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	key, err := cfg.masterKey()
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	keys, err := broker.OpenKeys(ctx, st, key, cfg.Broker, time.Now)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	var opts []admin.Option
	if cfg.Email.SMTP.Host != "" {
		// An administrator's lock or unlink tells the account's owner.
		n, err := notify.NewSMTP(cfg.Email.SMTP)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		opts = append(opts, admin.WithNotices(broker.Notices{Notifier: n, Contact: cfg.Broker.Accounts.Contact}))
	}
	svc := admin.New(st, keys, cfg.Broker.MFA.Lockout, cfg.Broker.ClientRules(cfg.providerIDs()), cfg.Broker.Clients, time.Now, opts...)
	return svc, st, nil
}

// clientsCmd and accountsCmd pick the operation from the subcommand's name
// and parse the flags before they open anything, so a mistyped command
// fails at once, even when the store cannot be opened.
func clientsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle clients list|add|remove|rotate-secret -config FILE [-id ID]"
	if len(args) == 0 {
		return usageError(use)
	}
	f := newAdminFlags("clients " + args[0])
	var op func(clientAdmin) error // reads the flags when it runs
	switch args[0] {
	case "list":
		op = func(svc clientAdmin) error {
			list, err := svc.ListClients(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSOURCE\tAUTH\tREDIRECT URIS")
			for _, c := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Source, c.AuthMethod, strings.Join(c.RedirectURIs, " "))
			}
			return tw.Flush()
		}
	case "add":
		op = func(svc clientAdmin) error {
			in := store.Client{ID: *f.id, RedirectURIs: f.redirects, PostLogoutRedirectURIs: f.logouts, AllowedProviders: f.providers, UpstreamClaims: f.claims, Public: *f.public,
				BackchannelLogoutURI: *f.backchannel, FrontchannelLogoutURI: *f.frontchannel, Steps: f.steps,
				Name: map[string]string{"en": or(*f.nameEN, *f.id), "fr": or(*f.nameFR, *f.id)}}
			if *f.orgsFile != "" {
				var err error
				if in.Organizations, err = readOrgsFile(*f.orgsFile); err != nil {
					return err
				}
			}
			c, secret, err := svc.AddClient(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "client %s added\n", c.ID)
			if secret != "" {
				fmt.Fprintf(stdout, "client secret (shown once, stored hashed): %s\n", secret)
			}
			return nil
		}
	case "remove":
		op = func(svc clientAdmin) error {
			if err := svc.RemoveClient(ctx, *f.id); err != nil {
				return fmt.Errorf("client %q: %w", *f.id, err)
			}
			fmt.Fprintf(stdout, "client %s removed\n", *f.id)
			return nil
		}
	case "rotate-secret":
		op = func(svc clientAdmin) error {
			secret, err := svc.RotateClientSecret(ctx, *f.id)
			if err != nil {
				return fmt.Errorf("client %q: %w", *f.id, err)
			}
			fmt.Fprintf(stdout, "new client secret (shown once; the old one no longer works): %s\n", secret)
			return nil
		}
	default:
		return usageError(use)
	}
	if err := parseFlags(f.fs, args[1:]); err != nil {
		return err
	}
	svc, st, err := openAdmin(ctx, *f.cfgPath)
	if bolt.IsLocked(err) {
		// A running broker holds the bbolt file: ask it, through its
		// admin API (admin.token), to do the same operation.
		api, aerr := runningBroker(*f.cfgPath, *f.server)
		if aerr != nil {
			return aerr
		}
		return op(api)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	return op(svc)
}

// withAdmin opens the configured store and runs op on it.
func withAdmin(ctx context.Context, f *adminFlags, op func(*admin.Service) error) error {
	svc, st, err := openAdmin(ctx, *f.cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	return op(svc)
}

// readOrgsFile reads a client's organizations from a YAML (or JSON) file,
// refusing keys the shape lacks.
func readOrgsFile(path string) (*store.ClientOrgs, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var c store.ClientOrgs
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("organizations file %s: %w", path, err)
	}
	return &c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func accountsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle accounts show|lock|unlock|reactivate|reset-mfa|unlink -config FILE -urn URN [-provider P]"
	if len(args) == 0 {
		return usageError(use)
	}
	f := newAdminFlags("accounts " + args[0])
	var urn string // set from -urn before op runs
	// done reports the outcome of a change to the account.
	done := func(err error) error {
		if err != nil {
			return fmt.Errorf("account %s: %w", urn, err)
		}
		fmt.Fprintf(stdout, "account %s: %s done\n", urn, args[0])
		return nil
	}
	var op func(*admin.Service) error
	switch args[0] {
	case "show":
		op = func(svc *admin.Service) error {
			v, err := svc.Account(ctx, urn)
			if err != nil {
				return fmt.Errorf("account %s: %w", urn, err)
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
	case "lock":
		op = func(svc *admin.Service) error { return done(svc.Lock(ctx, urn)) }
	case "unlock":
		op = func(svc *admin.Service) error { return done(svc.Unlock(ctx, urn)) }
	case "reactivate":
		op = func(svc *admin.Service) error { return done(svc.Reactivate(ctx, urn)) }
	case "reset-mfa":
		op = func(svc *admin.Service) error {
			n, err := svc.ResetMFA(ctx, urn)
			if err == nil {
				fmt.Fprintf(stdout, "%d factor(s) removed; a new one is set up at the next sign-in\n", n)
			}
			return done(err)
		}
	case "unlink":
		op = func(svc *admin.Service) error { return done(svc.Unlink(ctx, urn, *f.provider)) }
	default:
		return usageError(use)
	}
	if err := parseFlags(f.fs, args[1:]); err != nil {
		return err
	}
	if urn = strings.TrimSpace(*f.urn); urn == "" {
		return usageError("accounts " + args[0] + " needs -urn")
	}
	return withAdmin(ctx, f, op)
}

func keysCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rotate") {
		return usageError("usage: passerelle keys list|rotate -config FILE")
	}
	f := newAdminFlags("keys " + args[0])
	if err := parseFlags(f.fs, args[1:]); err != nil {
		return err
	}
	return withAdmin(ctx, f, func(svc *admin.Service) error {
		if args[0] == "rotate" {
			created, err := svc.RotateKeys(ctx)
			if err != nil {
				return err
			}
			for _, k := range created {
				fmt.Fprintf(stdout, "new %s key %s published now, signs from %s\n", k.Alg, k.ID, k.ActiveAt.Format(time.RFC3339))
			}
		}
		keys, err := svc.Keys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tALG\tCREATED\tSIGNS FROM\tUNPUBLISHED AT")
		for _, k := range keys {
			exp := "-"
			if !k.ExpiresAt.IsZero() {
				exp = k.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Alg, k.CreatedAt.Format(time.RFC3339), k.ActiveAt.Format(time.RFC3339), exp)
		}
		return tw.Flush()
	})
}

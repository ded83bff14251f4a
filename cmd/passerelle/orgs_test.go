package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// writeOrgConfig is writeConfig with a client "pip" whose organizations
// use a two-role table with an owner.
func writeOrgConfig(t *testing.T, dir string) string {
	t.Helper()
	p := writeConfig(t, dir, true)
	body, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	body = append(body, []byte(`clients:
  - id: pip
    name: {en: PIP, fr: PEP}
    redirect_uris: ["https://pip.example/cb"]
    steps: [organization]
    organizations:
      owner: owner
      after_transfer: leave
      activation: true
      roles:
        - {id: owner, name: {en: Owner, fr: Propriétaire}, invite: [user], manage: [user]}
        - {id: user, name: {en: User, fr: Utilisateur}}
`)...)
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOrgsCommands: an operator registers a business awaiting activation,
// exports the activation letter a trader asked for (CSV, the code in
// clear once), and the code the letter carries activates the business;
// invite prints a code once; an unknown client is refused.
func TestOrgsCommands(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeOrgConfig(t, dir)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"orgs", "create", "-config", cfgPath, "-client", "pip", "-name-en", "Acme", "-name-fr", "Acmé",
		"-number", "123456789RM0001", "-pending"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`organization (\S+) created \(pending\)`).FindStringSubmatch(out.String())
	if id == nil {
		t.Fatalf("create: %s", out.String())
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	table := cfg.Broker.Clients[0].Organizations
	rules := orgs.New(st, func(string) (*orgs.Config, bool) { return table, true }, time.Now,
		func(context.Context, string, string, string, string, map[string]string) {})
	acct := store.Account{ID: "acct-1", URN: "1234-5678-9012", CreatedAt: time.Now()}
	if err := st.CreateAccount(ctx, acct, store.Link{Provider: "up", Subject: "s1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rules.RequestActivation(ctx, "pip", acct.ID, "123456789RM0001"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out.Reset()
	if err := run(ctx, []string{"orgs", "letters", "-config", cfgPath, "-client", "pip"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "123456789RM0001" || rows[1][2] != "Acmé" {
		t.Fatalf("letters: %v %q", err, out.String())
	}
	code := rows[1][3]

	st, err = openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rules = orgs.New(st, func(string) (*orgs.Config, bool) { return table, true }, time.Now,
		func(context.Context, string, string, string, string, map[string]string) {})
	o, err := rules.Activate(ctx, "pip", acct.ID, "123456789RM0001", code)
	st.Close()
	if err != nil || o.Owner != acct.ID {
		t.Fatalf("activating with the exported code: %v", err)
	}

	out.Reset()
	if err := run(ctx, []string{"orgs", "invite", "-config", cfgPath, "-client", "pip", "-org", id[1], "-role", "user"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`code \(shown once, stored hashed\): [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).MatchString(out.String()) {
		t.Errorf("invite: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"orgs", "show", "-config", cfgPath, "-client", "pip", "-org", id[1]}, &out, &errb); err != nil ||
		!strings.Contains(out.String(), `"owner": "1234-5678-9012"`) {
		t.Errorf("show: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"orgs", "list", "-config", cfgPath, "-client", "nobody"}, &out, &errb); err == nil {
		t.Error("orgs of an unknown client listed")
	}
	if err := run(ctx, []string{"orgs", "list", "-config", cfgPath}, &out, &errb); err == nil {
		t.Error("orgs list without -client accepted")
	}
}

// TestExampleTraderTable: the trusted-trader table config.example.yaml
// ships is orgs.TrustedTrader, the one the demo and the tests use.
func TestExampleTraderTable(t *testing.T) {
	cfg, err := loadConfig("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Broker.Clients {
		if c.ID == "pip-portal" {
			if !reflect.DeepEqual(c.Organizations, orgs.TrustedTrader()) {
				t.Errorf("pip-portal's organizations:\n%+v\nwant orgs.TrustedTrader():\n%+v", c.Organizations, orgs.TrustedTrader())
			}
			return
		}
	}
	t.Fatal("no pip-portal in the example")
}

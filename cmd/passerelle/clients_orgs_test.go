package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// traderTable is a client's organizations as an operator writes them in
// the file given to clients add -organizations.
const traderTable = `required: true
owner: owner
after_transfer: leave
activation: true
activation_ttl: 1080h
roles:
  - {id: owner, name: {en: Owner, fr: Propriétaire}, invite: [user], manage: [user], see_members: true}
  - {id: user, name: {en: User, fr: Utilisateur}}
`

// TestClientsAddWithOrganizations: clients add takes a client's steps
// and its organizations' file; a table that breaks the rules is refused
// with every problem's path, a misspelt key too, and nothing is stored;
// the stored client's organizations are then the orgs commands' as a
// configured client's are.
func TestClientsAddWithOrganizations(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, true)
	ctx := context.Background()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	add := func(table string, steps ...string) (string, error) {
		var out, errb bytes.Buffer
		args := []string{"clients", "add", "-config", cfgPath, "-id", "trader", "-redirect-uri", "https://trader.example/cb",
			"-organizations", table}
		for _, s := range steps {
			args = append(args, "-step", s)
		}
		err := run(ctx, args, &out, &errb)
		return out.String() + errb.String(), err
	}
	bad := file("bad.yaml", strings.NewReplacer("invite: [user]", "invite: [owner]", "activation_ttl: 1080h", "activation_ttl: 30m").Replace(traderTable))
	_, err := add(bad, "organization", "terms")
	for _, path := range []string{"clients[0].organizations.roles[0].invite[0]", "clients[0].organizations.activation_ttl", "clients[0].steps[1]"} {
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("a bad table: no problem at %s: %v", path, err)
		}
	}
	if _, err := add(file("typo.yaml", traderTable+"activaton: true\n"), "organization"); err == nil || !strings.Contains(err.Error(), "activaton") {
		t.Errorf("a misspelt key: %v", err)
	}
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"orgs", "list", "-config", cfgPath, "-client", "trader"}, &out, &errb); err == nil {
		t.Fatalf("a refused client has organizations: %s", out.String())
	}
	if got, err := add(file("good.yaml", traderTable), "organization"); err != nil || !strings.Contains(got, "client trader added") {
		t.Fatalf("add: %v\n%s", err, got)
	}
	out.Reset()
	if err := run(ctx, []string{"orgs", "create", "-config", cfgPath, "-client", "trader", "-name-en", "Acme", "-name-fr", "Acmé",
		"-number", "BN-1", "-status", "pending"}, &out, &errb); err != nil {
		t.Fatalf("orgs create for the stored client: %v %s", err, errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"orgs", "list", "-config", cfgPath, "-client", "trader"}, &out, &errb); err != nil || !strings.Contains(out.String(), "BN-1") {
		t.Errorf("orgs list for the stored client: %v %s", err, out.String())
	}
}

package broker_test

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/orgs"
)

// TestTraderActivatesABusinessOfTheRegister: the portal's register of
// businesses (an operator's file, clients[].organizations.register) lists
// a business no administrator created. A number outside the register is
// refused and counted, and makes nothing; the business's number creates
// it at the trader's request, the operator's export mails its letter, and
// its code makes the trader the owner of the business the register names.
func TestTraderActivatesABusinessOfTheRegister(t *testing.T) {
	file := filepath.Join(t.TempDir(), "register.csv")
	if err := os.WriteFile(file, []byte("number,name_en,name_fr\n123456789RM0001,Acme Imports,Importations Acme\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	table := orgs.TrustedTrader()
	table.RegisterFile = file
	e := newOrgEnv(t, table)
	ctx := t.Context()
	b := e.browser()
	p, a := e.atStep(t, b, "alex")
	p = submit(t, b, p, "request", url.Values{"number": {"987654321RM0001"}})
	if !strings.Contains(p.Body, "No business awaiting activation has this client number") || e.accountOf(t, "alex").Failures != 1 {
		t.Fatalf("a number outside the register: %.600s", p.Body)
	}
	if list, _ := e.store.ListOrganizations(ctx, "rp2"); len(list) != 0 {
		t.Fatalf("a number outside the register made %d organizations", len(list))
	}
	p = submit(t, b, p, "request", url.Values{"number": {"123456789RM0001"}})
	if !strings.Contains(p.Body, "Your request is recorded") {
		t.Fatalf("the request: %.600s", p.Body)
	}
	letters, err := e.svc.Letters(ctx, "rp2")
	if err != nil || len(letters) != 1 || letters[0].Names["en"] != "Acme Imports" {
		t.Fatalf("letters: %+v %v", letters, err)
	}
	tok := e.finish(t, submit(t, b, p, "activate", url.Values{"number": {"123456789RM0001"}, "activation-code": {letters[0].Code}}), a)
	id, roles := orgClaim(t, tok)
	o, err := e.store.GetOrganization(ctx, "rp2", id)
	if err != nil || o.Names["fr"] != "Importations Acme" || o.Owner != e.accountOf(t, "alex").ID || !slices.Equal(roles, []string{"account_owner"}) {
		t.Errorf("the business: %+v %v, roles %v", o, err, roles)
	}
}

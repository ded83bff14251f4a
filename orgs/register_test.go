package orgs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

func writeRegister(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "register.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadRegister: a register file is refused with every bad line named.
func TestLoadRegister(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"header", "bn,en,fr\n1,A,A\n", "the first line must be number,name_en,name_fr"},
		{"twice", "number,name_en,name_fr\n1,A,A\n2,B,B\n1,C,C\n", `line 4: number "1" is listed twice`},
		{"names", "number,name_en,name_fr\n1,A,\n", "line 2: the number and both names are required"},
		{"fields", "number,name_en,name_fr\n1,A\n", "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := orgs.LoadRegister(writeRegister(t, tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
	reg, err := orgs.LoadRegister(writeRegister(t, "number,name_en,name_fr\n 123456789RM0001 ,Acme Imports,Importations Acme\n"))
	if err != nil || reg["123456789RM0001"] != (store.RegisterEntry{NameEN: "Acme Imports", NameFR: "Importations Acme"}) {
		t.Errorf("register: %+v %v", reg, err)
	}
}

// TestActivationCreatesFromTheRegister: a request by a number of the
// client's register that no organization has creates the organization,
// pending, with the register's names, and its letter; it activates like
// any other. A number outside the register creates nothing; two requests
// for one number create it once.
func TestActivationCreatesFromTheRegister(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	reg, err := orgs.LoadRegister(writeRegister(t, "number,name_en,name_fr\n123456789RM0001,Acme Imports,Importations Acme\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.cfg.Register = reg
	if _, err := f.svc.RequestActivation(ctx, "pip", "stranger", "987654321RM0001"); !errors.Is(err, orgs.ErrNumberUnknown) {
		t.Errorf("a number outside the register: %v", err)
	}
	if list, _ := f.st.ListOrganizations(ctx, "pip"); len(list) != 0 {
		t.Fatalf("a number outside the register made %d organizations", len(list))
	}
	for _, who := range []string{"trader", "stranger"} {
		f.request(t, who, "123456789RM0001")
	}
	list, _ := f.st.ListOrganizations(ctx, "pip")
	if len(list) != 1 || list[0].Status != store.OrgPending || list[0].Names["fr"] != "Importations Acme" || list[0].ExternalNumber != "123456789RM0001" {
		t.Fatalf("created: %+v", list)
	}
	letters, err := f.svc.Letters(ctx, "pip")
	if err != nil || len(letters) != 1 || letters[0].Names["en"] != "Acme Imports" {
		t.Fatalf("letters: %+v %v", letters, err)
	}
	got, err := f.svc.Activate(ctx, "pip", "trader", "123456789RM0001", letters[0].Code)
	if err != nil || got.Owner != "trader" || got.Status != store.OrgActive {
		t.Fatalf("activate: %+v %v", got, err)
	}
	if _, err := f.svc.RequestActivation(ctx, "pip", "stranger", "123456789RM0001"); !errors.Is(err, orgs.ErrNumberUnknown) {
		t.Errorf("a request for the activated business: %v", err)
	}
	if list, _ := f.st.ListOrganizations(ctx, "pip"); len(list) != 1 {
		t.Errorf("%d organizations after the activation", len(list))
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestLegacyCommands: show and unlink need an account's answer, which
// this store has none of (the imports: TestImportReportsInFrench).
func TestLegacyCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	addClients(t, cfg, "clients:\n  - {id: ipo, name: {en: IPO, fr: OPIC}, redirect_uris: [\"https://ipo.example/cb\"], steps: [legacy]}\n")
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"legacy", "show", "-config", cfg, "-client", "ipo", "-legacy-id", "L-1"}, &out, &errb); err == nil ||
		!strings.Contains(err.Error(), "linked to no account") {
		t.Errorf("show an unlinked legacy ID: %v", err)
	}
	for _, args := range [][]string{
		{"legacy", "import", "-config", cfg, "accounts.csv"},
		{"legacy", "import", "-config", cfg, "-client", "ipo"},
		{"legacy", "unlink", "-config", cfg, "-client", "ipo"},
		{"legacy", "frobnicate"},
	} {
		if err := run(ctx, args, &out, &errb); err == nil {
			t.Errorf("%v: no error", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// TestRecordsCommands: a record file with a bad row is refused with its
// line, then imported skipping it; the requests list is empty, and
// resolving needs -link or -close; an account's link is shown, then
// unlinked (audited), and is gone.
func TestRecordsCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	addClients(t, cfg, "clients:\n  - id: certs\n    name: {en: Certs, fr: Certificats}\n    redirect_uris: [\"https://certs.example/cb\"]\n"+
		"    steps: [record]\n    records:\n      attributes:\n        - {name: certificate_number, label: {en: Certificate number, fr: Numéro de certificat}}\n")
	file := filepath.Join(dir, "records.csv")
	if err := os.WriteFile(file, []byte("record_id,certificate_number,email\nR-1,C1,d1@example.ca\nR-2,C2,not-an-address\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", file}, &out, &errb); err == nil ||
		!strings.Contains(out.String(), `records.csv: line 3: email "not-an-address" is not an address`) {
		t.Fatalf("import with a bad row: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", "-skip-bad-rows", file}, &out, &errb); err != nil ||
		!strings.Contains(out.String(), "1 record(s) of client certs imported, 1 bad row(s) skipped") {
		t.Fatalf("import skipping bad rows: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"records", "requests", "-config", cfg, "-client", "certs"}, &out, &errb); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("requests: %v %q", err, out.String())
	}
	for _, args := range [][]string{
		{"records", "resolve", "-config", cfg, "-client", "certs", "-request", "q1"},
		{"records", "unlink", "-config", cfg, "-client", "certs"},
	} {
		if err := run(ctx, args, &out, &errb); err == nil {
			t.Errorf("%v: no error", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}

	acct := linkRecord(t, cfg, "certs", "R-1")
	out.Reset()
	if err := run(ctx, []string{"records", "show", "-config", cfg, "-client", "certs", "-urn", acct.URN}, &out, &errb); err != nil ||
		!strings.Contains(out.String(), `"record_id": "R-1"`) {
		t.Fatalf("show: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"records", "unlink", "-config", cfg, "-client", "certs", "-urn", acct.URN, "-lang", "fr"}, &out, &errb); err != nil ||
		out.String() != "compte "+acct.URN+" : le lien au dossier de certs est supprimé; la revendication disparaît du prochain jeton, et la prochaine connexion le demandera de nouveau\n" {
		t.Fatalf("unlink, in French: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"records", "show", "-config", cfg, "-client", "certs", "-urn", acct.URN}, &out, &errb); err == nil ||
		!strings.Contains(err.Error(), "has linked no record of client certs") {
		t.Errorf("show after unlink: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "export", "-config", cfg}, &out, &errb); err != nil || !strings.Contains(out.String(), "admin.record.unlink") {
		t.Errorf("the unlink is not in the audit log: %v\n%s", err, out.String())
	}
}

// linkRecord creates an account in cfg's store and links the client's
// record to it, as the record step would.
func linkRecord(t *testing.T, cfgPath, client, recordID string) store.Account {
	t.Helper()
	ctx := context.Background()
	st := configStore(t, cfgPath)
	defer st.Close()
	now := time.Now()
	acct := store.Account{ID: "acct-1", URN: "1234-5678-9012", CreatedAt: now, LastLoginAt: now}
	if err := st.CreateAccount(ctx, acct, store.Link{Provider: "up", Subject: "s1", AccountID: acct.ID, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRecordLink(ctx, store.RecordLink{ClientID: client, AccountID: acct.ID, RecordID: recordID, Method: store.RecordByCode, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return acct
}

// configStore opens the store of the configuration file at cfgPath; the
// caller closes it before a command opens it.
func configStore(t *testing.T, cfgPath string) store.Store {
	t.Helper()
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// addClients appends a clients section (YAML) to the configuration file.
func addClients(t *testing.T, cfg, clients string) {
	t.Helper()
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(body, clients...), 0o600); err != nil {
		t.Fatal(err)
	}
}

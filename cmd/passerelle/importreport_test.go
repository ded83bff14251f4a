package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportLang: -lang wins; else LC_ALL, LC_MESSAGES, LANG in that
// order; a French locale gives French, any other English; a -lang other
// than en or fr is a usage error.
func TestReportLang(t *testing.T) {
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"", nil, "en"},
		{"fr", map[string]string{"LANG": "en_CA.UTF-8"}, "fr"},
		{"en", map[string]string{"LANG": "fr_CA.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "fr_CA.UTF-8"}, "fr"},
		{"", map[string]string{"LANG": "fr_CA.UTF-8", "LC_MESSAGES": "en_CA.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "en_CA.UTF-8", "LC_MESSAGES": "en_CA", "LC_ALL": "FR_FR"}, "fr"},
		{"", map[string]string{"LANG": "C"}, "en"},
	} {
		got, err := reportLang(tc.flag, func(k string) string { return tc.env[k] })
		if err != nil || got != tc.want {
			t.Errorf("reportLang(%q, %v) = %q, %v; want %q", tc.flag, tc.env, got, err, tc.want)
		}
	}
	if _, err := reportLang("de", os.Getenv); err == nil {
		t.Error("-lang de accepted")
	} else if _, ok := err.(usageError); !ok {
		t.Errorf("-lang de: %v, want a usage error", err)
	}
}

// TestImportReportsInFrench: an administrator whose locale is French
// reads every bad row, the refusal and the summary of a legacy or record
// import in French, and -lang en gives them in English.
func TestImportReportsInFrench(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, true)
	addClients(t, cfg, "clients:\n  - {id: ipo, name: {en: IPO, fr: OPIC}, redirect_uris: [\"https://ipo.example/cb\"], steps: [legacy]}\n"+
		"  - id: certs\n    name: {en: Certs, fr: Certificats}\n    redirect_uris: [\"https://certs.example/cb\"]\n"+
		"    steps: [record]\n    records:\n      attributes:\n        - {name: certificate_number, label: {en: Certificate number, fr: Numéro de certificat}}\n")
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	accounts := write("comptes.csv", "legacy_id,username,password_hash\nL-1,marie,$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$F7o7+5VTVzFAO998X6s3AHrDsJVdMiIlgndIMe19NvY\nL-2,jean,md5:abc\n")
	records := write("dossiers.json", `[{"record_id": "R-1", "certificate_number": "C1", "email": "d1@example.ca"},
 {"record_id": "R-2", "certificate_number": "C2", "email": "pas-une-adresse"}]`)
	ctx := context.Background()
	var out, errb bytes.Buffer
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "fr_CA.UTF-8")

	for _, tc := range []struct {
		lang                     string
		badRow, refused, summary string
	}{
		{"", "comptes.csv: ligne 3 : password_hash : ce n’est pas un hachage bcrypt, argon2 ou PBKDF2",
			"comptes.csv: 1 ligne(s) invalide(s); rien n’a été importé (corrigez-les, ou utilisez -skip-bad-rows)",
			"comptes.csv: 1 ancien(s) compte(s) du client ipo importé(s), 1 ligne(s) invalide(s) ignorée(s)"},
		{"en", "comptes.csv: line 3: password_hash: not a bcrypt, argon2 or PBKDF2 hash",
			"comptes.csv: 1 bad row(s); nothing was imported (fix them, or use -skip-bad-rows)",
			"comptes.csv: 1 legacy account(s) of client ipo imported, 1 bad row(s) skipped"},
	} {
		out.Reset()
		args := []string{"legacy", "import", "-config", cfg, "-client", "ipo", "-lang", tc.lang}
		err := run(ctx, append(args, accounts), &out, &errb)
		if err == nil || !strings.HasSuffix(err.Error(), tc.refused) || !strings.Contains(out.String(), tc.badRow) {
			t.Fatalf("legacy import -lang %q: %v\n%s", tc.lang, err, out.String())
		}
		out.Reset()
		if err := run(ctx, append(args, "-skip-bad-rows", accounts), &out, &errb); err != nil || !strings.Contains(out.String(), tc.summary) {
			t.Fatalf("legacy import -lang %q -skip-bad-rows: %v\n%s", tc.lang, err, out.String())
		}
	}
	out.Reset()
	err := run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", records}, &out, &errb)
	if err == nil || !strings.Contains(out.String(), `dossiers.json: ligne 2 (entrée 2) : le courriel "pas-une-adresse" n’est pas une adresse`) {
		t.Fatalf("records import of JSON, French locale: %v\n%s", err, out.String())
	}
	err = run(ctx, []string{"records", "import", "-config", cfg, "-client", "ipo", records}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "le client \"ipo\" n’a pas l’étape record") {
		t.Errorf("records import to a client without the step: %v", err)
	}
	err = run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", "-format", "xml", records}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "le format doit être csv ou json, et non \"xml\"") {
		t.Errorf("an unknown format: %v", err)
	}
	err = run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", filepath.Join(dir, "absent.csv")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "impossible de lire le fichier") {
		t.Errorf("a missing file: %v", err)
	}
	out.Reset()
	err = run(ctx, []string{"records", "import", "-config", cfg, "-client", "certs", "-lang", "en", records}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "1 bad row(s); nothing was imported") ||
		!strings.Contains(out.String(), `dossiers.json: line 2 (entry 2): email "pas-une-adresse" is not an address`) {
		t.Errorf("-lang en over a French locale: %v\n%s", err, out.String())
	}
}

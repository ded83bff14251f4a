package admin

import (
	"bytes"
	"errors"
	"testing"

	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/store"
)

// The import parsers read an administrator's file, which may come from
// anywhere: whatever the bytes, they never panic, refuse a file only with
// a catalogue problem, and keep only rows that pass their checks, each
// legacy ID, username, record ID and key once. Run one for longer with
// go test ./admin -run '^$' -fuzz FuzzLegacyCSV -fuzztime 30s.

const fuzzHash = "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$F7o7+5VTVzFAO998X6s3AHrDsJVdMiIlgndIMe19NvY"

var fuzzRecords = &record.Config{Invoice: true, Attributes: []record.Attribute{
	{Name: "certificate_number"}, {Name: "birth_date", Date: true}}}

func FuzzLegacyCSV(f *testing.F) {
	for _, seed := range []string{
		"legacy_id,username,password_hash,email\nL-1,marie," + fuzzHash + ",marie@example.ca\nL-1,MARIE," + fuzzHash + ",\n",
		"\xef\xbb\xbfUSERNAME,legacy_id,password_hash\n\"ma\"\"rie\",L-2,\"$2y$04$hStLwGQD9gSkOB1raDRdWe7IOuRCSod1OsvETWc.T2LpHvKPbK/H2\"\n",
		"legacy_id,username,password_hash\nL-1,a,$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\nL-2,b\n",
		"legacy_id,username,password_hash\nL-\"1,a,b\n", "legacy_id,legacy_id\n", "", "\n\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkLegacyParse(t, data, FormatCSV) })
}

func FuzzLegacyJSON(f *testing.F) {
	for _, seed := range []string{
		`[{"legacy_id": "L-1", "username": "marie", "password_hash": "` + fuzzHash + `", "email": "m@example.ca"}]`,
		`[{"legacy_id": "L-1", "legacy_id": "L-2", "username": "a", "password_hash": "` + fuzzHash + `"}, {"legacy_id": 2}, "x", null]`,
		`[{"legacy_id": "L-1", "username": "\u0007", "password_hash": "$2b$04$x"}`, `{}`, `[`, `[]`, `[1,]`, "[\n{\"a\":\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkLegacyParse(t, data, FormatJSON) })
}

func FuzzRecordsCSV(f *testing.F) {
	for _, seed := range []string{
		"record_id,certificate_number,birth_date,email,invoices\nR-1,C-1234,1980-02-29,d1@example.ca,F77:2024-05-01;F78:2021-01-10\nR-2,c1234,1975-07-01,d2@example.ca,\n",
		"record_id,certificate_number,birth_date,email\nR-3,C9,29/02/1980,d3@example.ca\nR-4,,1980-02-29,nobody\n",
		"email,record_id\n", "record_id,certificate_number,birth_date,email,invoices\nR,C,1980-01-01,a@b.c,F:2024-13-01;;:\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkRecordParse(t, data, FormatCSV) })
}

func FuzzRecordsJSON(f *testing.F) {
	for _, seed := range []string{
		`[{"record_id": "R-1", "certificate_number": "C-1", "birth_date": "1980-02-29", "email": "d1@example.ca", "invoices": ["F1:2024-01-01"]}]`,
		`[{"record_id": "R-1", "certificate_number": "C-1", "certificate_number": "C-2"}, {"invoices": "F1"}, {"invoices": [1]}, []]`,
		`[{"record_id": "R-1"}, {"record_id": "R-1"}]`, `[{"x": {}}]`, `"[]"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkRecordParse(t, data, FormatJSON) })
}

// checkRefusal checks what a parser that refused a file returned.
func checkRefusal(t *testing.T, err error, rows, bad int) {
	t.Helper()
	var fe fileError
	if !errors.As(err, &fe) {
		t.Fatalf("refused with %T %v, not a catalogue problem", err, err)
	}
	if _, ok := importCatalogue["fr"][fe.Key]; !ok || rows != 0 || bad != 0 {
		t.Fatalf("refusal %q (in French: %v), with %d rows and %d bad ones", fe.Key, ok, rows, bad)
	}
}

// checkBad checks the bad rows: where they are, and their problems.
func checkBad(t *testing.T, bad []BadRow, lines int) {
	t.Helper()
	for _, b := range bad {
		if _, ok := importCatalogue["fr"][b.Problem.Key]; !ok || b.Line < 1 || b.Line > lines {
			t.Fatalf("bad row %+v (catalogue %v, file of %d lines)", b, ok, lines)
		}
	}
}

func checkLegacyParse(t *testing.T, data []byte, format string) {
	rows, bad, err := readLegacyFile(bytes.NewReader(data), format)
	if err != nil {
		checkRefusal(t, err, len(rows), len(bad))
		return
	}
	checkBad(t, bad, 1+bytes.Count(data, []byte("\n")))
	ids, names := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		a := r.acct
		if _, ok := checkLegacyFields(map[string]string{"legacy_id": a.LegacyID, "username": a.Username,
			"password_hash": a.PasswordHash, "email": a.Email}); !ok {
			t.Fatalf("kept a row that fails its checks: %+v", a)
		}
		folded := store.FoldUsername(a.Username)
		if ids[a.LegacyID] || names[folded] {
			t.Fatalf("kept a second row of %q / %q", a.LegacyID, a.Username)
		}
		ids[a.LegacyID], names[folded] = true, true
	}
}

func checkRecordParse(t *testing.T, data []byte, format string) {
	rows, bad, err := readRecordFile(bytes.NewReader(data), format, fuzzRecords)
	if err != nil {
		checkRefusal(t, err, len(rows), len(bad))
		return
	}
	checkBad(t, bad, 1+bytes.Count(data, []byte("\n")))
	ids, keys := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		rec := r.rec
		if rec.RecordID == "" || rec.Key == "" || !isAddress(rec.Email) || len(rec.Invoices) > maxInvoices || rec.Attributes["birth_date"] == "" {
			t.Fatalf("kept a record that fails its checks: %+v", rec)
		}
		if ids[rec.RecordID] || keys[rec.Key] {
			t.Fatalf("kept a second record %q / key %q", rec.RecordID, rec.Key)
		}
		ids[rec.RecordID], keys[rec.Key] = true, true
	}
}

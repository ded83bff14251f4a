package admin_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/store"
)

// recordJSON has good entries 1 and 2 and a bad one at every other.
const recordJSON = `[
  {"record_id": "R-1", "certificate_number": "C-1234", "birth_date": "1980-02-29", "email": "dossier1@example.ca",
   "invoices": ["F77:2024-05-01", "F78:2021-01-10"]},
  {"record_id": "R-2", "certificate_number": "c 5678", "birth_date": "1975-07-01", "email": "dossier2@example.ca"},
  {"record_id": "R-3", "certificate_number": "C9", "birth_date": "1980-02-29", "email": "d3@example.ca", "invoices": "F79:2024-01-01"},
  {"record_id": "R-1", "certificate_number": "C12", "birth_date": "1980-02-29", "email": "d4@example.ca"},
  {"record_id": "R-5", "certificate_number": "C13", "birth_date": "1980-02-29", "email": "d5@example.ca", "invoices": ["F80"]},
  {"record_id": "R-6", "certificate_number": "C1234", "certificate_number": "C14", "birth_date": "1980-02-29", "email": "d6@example.ca"}, {"record_id": "R-7", "birth_date": "1980-02-29", "email": "d7@example.ca"}
]`

// TestImportRecordsJSON: a JSON record file reports every bad entry with
// its line and index, imports nothing with bad entries, and imports the
// good ones, invoices included, when told to skip them.
func TestImportRecordsJSON(t *testing.T) {
	f := newRecordsFixture(t)
	ctx := t.Context()
	rep, err := f.svc.ImportRecords(ctx, "certs", strings.NewReader(recordJSON), admin.FormatJSON, false)
	want := []string{
		"line 5 (entry 3): invoices must be an array of strings NUMBER:YYYY-MM-DD",
		`line 6 (entry 4): record_id "R-1" is also in entry 1`,
		`line 7 (entry 5): invoice "F80" must be NUMBER:YYYY-MM-DD`,
		`line 8 (entry 6): field "certificate_number" twice`,
		"line 8 (entry 7): certificate_number is empty or longer than 128 characters",
	}
	if !errors.Is(err, admin.ErrBadRows) || len(rep.Bad) != len(want) {
		t.Fatalf("ImportRecords = %+v, %v", rep, err)
	}
	for i, b := range rep.Bad {
		if b.String() != want[i] {
			t.Errorf("bad entry %d: %q, want %q", i, b, want[i])
		}
	}
	if _, err := f.st.GetClientRecord(ctx, "certs", "R-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("imported from a file with bad entries: %v", err)
	}
	if rep, err = f.svc.ImportRecords(ctx, "certs", strings.NewReader(recordJSON), admin.FormatJSON, true); err != nil || rep.Imported != 2 {
		t.Fatalf("skipping bad entries: %+v, %v", rep, err)
	}
	r, err := f.st.GetClientRecordByKey(ctx, "certs", "C1234")
	if err != nil || r.RecordID != "R-1" || len(r.Invoices) != 2 || r.Invoices[1].Number != "F78" {
		t.Errorf("record %+v, %v", r, err)
	}
	if _, err := f.svc.ImportRecords(ctx, "certs", strings.NewReader(`{"record_id": "R-1"}`), admin.FormatJSON, true); err == nil ||
		!strings.Contains(err.Error(), "line 1: the file must be a JSON array of objects with record_id, email, invoices, certificate_number, birth_date") {
		t.Errorf("not an array: %v", err)
	}
}

// TestAttackImportLegacyJSONDuplicates: a JSON file cannot slip a second
// holder of a legacy ID or username past the checks the CSV file gets:
// a repeated legacy ID or username (folded) is a bad entry, an object
// naming legacy_id twice (which value would count?) is a bad entry, and
// a username another legacy ID holds in the store is too; skipping the
// bad entries imports only the first holder.
func TestAttackImportLegacyJSONDuplicates(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.ImportLegacy(ctx, "portal", strings.NewReader(`[{"legacy_id": "L-9", "username": "held", "password_hash": "`+pbkdf2Hash+`"}]`),
		admin.FormatJSON, false); err != nil {
		t.Fatal(err)
	}
	file := `[{"legacy_id": "L-1", "username": "marie", "password_hash": "` + pbkdf2Hash + `"},
{"legacy_id": "L-1", "username": "mallory", "password_hash": "` + bcryptHash + `"},
{"legacy_id": "L-2", "username": "MARIE", "password_hash": "` + bcryptHash + `"},
{"legacy_id": "L-3", "legacy_id": "L-1", "username": "eve", "password_hash": "` + bcryptHash + `"},
{"legacy_id": "L-4", "username": "Held", "password_hash": "` + bcryptHash + `"}]`
	rep, err := f.svc.ImportLegacy(ctx, "portal", strings.NewReader(file), admin.FormatJSON, false)
	want := []string{
		`line 2 (entry 2): legacy_id "L-1" is also in entry 1`,
		`line 3 (entry 3): username "MARIE" is also in entry 1`,
		`line 4 (entry 4): field "legacy_id" twice`,
		`line 5 (entry 5): username "Held" is already that of legacy ID "L-9"`,
	}
	if !errors.Is(err, admin.ErrBadRows) || len(rep.Bad) != len(want) {
		t.Fatalf("ImportLegacy = %+v, %v", rep, err)
	}
	for i, b := range rep.Bad {
		if b.String() != want[i] {
			t.Errorf("bad entry %d: %q, want %q", i, b, want[i])
		}
	}
	if rep, err = f.svc.ImportLegacy(ctx, "portal", strings.NewReader(file), admin.FormatJSON, true); err != nil || rep.Imported != 1 {
		t.Fatalf("skipping: %+v, %v", rep, err)
	}
	if a, err := f.st.GetLegacyAccount(ctx, "portal", "L-1"); err != nil || a.Username != "marie" || a.PasswordHash != pbkdf2Hash {
		t.Errorf("L-1 is %+v, %v; want marie's", a, err)
	}
	for _, id := range []string{"L-2", "L-3", "L-4"} {
		if _, err := f.st.GetLegacyAccount(ctx, "portal", id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s imported: %v", id, err)
		}
	}
}

// repeated is an endless reader of one byte.
type repeated byte

func (r repeated) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestImportBounds: a file past MaxImportFileBytes or MaxImportRows is
// refused as a whole, saying to split it, and nothing is imported.
func TestImportBounds(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.svc.ImportLegacy(ctx, "portal", io.LimitReader(repeated('a'), admin.MaxImportFileBytes+1), admin.FormatCSV, true)
	if err == nil || err.Error() != "the file is larger than 64 MiB" {
		t.Errorf("a file too large: %v", err)
	}
	rows := "legacy_id,username,password_hash\n" + strings.Repeat("L,u,h\n", admin.MaxImportRows+1)
	_, err = f.svc.ImportLegacy(ctx, "portal", strings.NewReader(rows), admin.FormatCSV, true)
	if err == nil || err.Error() != "the file has more than 250000 rows: split it into several files" {
		t.Errorf("too many rows: %v", err)
	}
	if ev := f.audited("admin.legacy.import"); len(ev) != 0 {
		t.Errorf("a refused file was imported: %+v", ev)
	}
}

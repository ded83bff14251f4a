package admin_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/store"
)

// bcryptHash is htpasswd's bcrypt of "vieux-mot"; pbkdf2Hash is Python
// hashlib's PBKDF2-SHA256 of "correct horse".
const (
	bcryptHash = "$2y$04$hStLwGQD9gSkOB1raDRdWe7IOuRCSod1OsvETWc.T2LpHvKPbK/H2"
	pbkdf2Hash = "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$F7o7+5VTVzFAO998X6s3AHrDsJVdMiIlgndIMe19NvY"
)

// badCSV has a good row on lines 2 and 7 and a bad one on every other.
var badCSV = "legacy_id,username,password_hash,email\n" +
	"L-1,marie,\"" + bcryptHash + "\",marie@example.ca\n" +
	",nobody," + pbkdf2Hash + ",\n" +
	"L-3,jean,md5:abcdef,\n" +
	"L-4,luc," + pbkdf2Hash + ",not-an-address\n" +
	"L-1,marie2," + pbkdf2Hash + ",\n" +
	"L-6,MARIE," + pbkdf2Hash + ",\n" +
	"L-7,sylvie," + pbkdf2Hash + ",\n"

// TestImportLegacyReportsEveryBadRow: a file with bad rows imports
// nothing and names each bad line and what is wrong; told to skip them,
// it imports the good rows, audited.
func TestImportLegacyReportsEveryBadRow(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	got, err := f.svc.ImportLegacy(ctx, "portal", strings.NewReader(badCSV), admin.FormatCSV, false)
	if !errors.Is(err, admin.ErrBadRows) || got.Imported != 0 {
		t.Fatalf("ImportLegacy = %+v, %v; want ErrBadRows and nothing imported", got, err)
	}
	want := []string{
		"line 3: legacy_id is empty",
		"line 4: password_hash: not a bcrypt, argon2 or PBKDF2 hash",
		"line 5: email \"not-an-address\" is not an address",
		"line 6: legacy_id \"L-1\" is also on line 2",
		"line 7: username \"MARIE\" is also on line 2",
	}
	if len(got.Bad) != len(want) {
		t.Fatalf("bad rows %v, want %d", got.Bad, len(want))
	}
	for i, b := range got.Bad {
		if !strings.HasPrefix(b.String(), want[i]) {
			t.Errorf("bad row %d: %q, want %q…", i, b, want[i])
		}
	}
	if _, err := f.st.GetLegacyAccount(ctx, "portal", "L-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a good row was imported from a file with bad rows: %v", err)
	}
	got, err = f.svc.ImportLegacy(ctx, "portal", strings.NewReader(badCSV), admin.FormatCSV, true)
	if err != nil || got.Imported != 2 || len(got.Bad) != 5 {
		t.Fatalf("skipping bad rows: %+v, %v", got, err)
	}
	a, err := f.st.GetLegacyAccountByUsername(ctx, "portal", "Marie")
	if err != nil || a.LegacyID != "L-1" || a.PasswordHash != bcryptHash || a.Email != "marie@example.ca" || !a.ImportedAt.Equal(epoch) {
		t.Errorf("imported %+v, %v", a, err)
	}
	if ev := f.audited("admin.legacy.import"); len(ev) != 1 || ev[0].Detail["imported"] != "2" || ev[0].Detail["skipped"] != "5" {
		t.Errorf("audit %+v", ev)
	}
	// A username now held by L-1 is a bad row of a later file.
	got, err = f.svc.ImportLegacy(ctx, "portal", strings.NewReader("username,legacy_id,password_hash\nmarie,L-9,"+pbkdf2Hash+"\n"), admin.FormatCSV, false)
	if !errors.Is(err, admin.ErrBadRows) || len(got.Bad) != 1 || got.Bad[0].String() != "line 2: username \"marie\" is already that of legacy ID \"L-1\"" {
		t.Errorf("a username held in the store: %+v, %v", got, err)
	}
}

// TestImportLegacyJSON: a JSON array, each bad entry named by the line it
// starts on and its index.
func TestImportLegacyJSON(t *testing.T) {
	f := newFixture(t)
	file := "[\n" +
		"  {\"legacy_id\": \"L-1\", \"username\": \"marie\", \"password_hash\": \"" + pbkdf2Hash + "\"},\n" +
		"  {\"legacy_id\": 2, \"username\": \"jean\", \"password_hash\": \"" + pbkdf2Hash + "\"},\n" +
		"  {\"legacy_id\": \"L-3\", \"username\": \"luc\",\n   \"password_hash\": \"" + pbkdf2Hash + "\", \"phone\": \"555\"},\n" +
		"  \"L-4\",\n" +
		"  {\"legacy_id\": \"L-5\", \"username\": \"\\u0007\", \"password_hash\": \"" + pbkdf2Hash + "\"}\n" +
		"]\n"
	got, err := f.svc.ImportLegacy(t.Context(), "portal", strings.NewReader(file), admin.FormatJSON, false)
	want := []string{
		"line 3 (entry 2): legacy_id must be a string",
		"line 4 (entry 3): unknown field \"phone\" (the fields are legacy_id, username, password_hash, email)",
		"line 6 (entry 4): each entry must be an object",
		"line 7 (entry 5): username must be at most 256 printable characters",
	}
	if !errors.Is(err, admin.ErrBadRows) || len(got.Bad) != len(want) {
		t.Fatalf("ImportLegacy = %+v, %v", got, err)
	}
	for i, b := range got.Bad {
		if b.String() != want[i] {
			t.Errorf("bad row %d: %q, want %q", i, b, want[i])
		}
	}
}

// TestImportLegacyRefusesTheFile: a file that cannot be read as a whole,
// or a client without the step, is refused with what is wrong, and
// nothing is imported.
func TestImportLegacyRefusesTheFile(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, client, format, file, want string }{
		{"empty", "portal", admin.FormatCSV, "", "the file is empty"},
		{"unknown column", "portal", admin.FormatCSV, "legacy_id,username,password,email\n", "line 1: unknown column \"password\""},
		{"missing column", "portal", admin.FormatCSV, "legacy_id,username\n", "line 1: the column \"password_hash\" is missing"},
		{"ragged CSV", "portal", admin.FormatCSV, "legacy_id,username,password_hash\nL-1,a," + pbkdf2Hash + "\nL-2,b\n", "line 3: not as many fields as the first line has columns"},
		{"not an array", "portal", admin.FormatJSON, "{\"legacy_id\": \"L-1\"}", "line 1: the file must be a JSON array"},
		{"broken JSON", "portal", admin.FormatJSON, "[\n{\"legacy_id\": \"L-1\"},\n{\"legacy_id\": \n", "line 3: the file ends in the middle of this entry"},
		{"unknown format", "portal", "xml", "<a/>", "format must be csv or json"},
		{"unknown client", "nobody", admin.FormatCSV, "", "no client \"nobody\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.ImportLegacy(t.Context(), tc.client, strings.NewReader(tc.file), tc.format, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ImportLegacy: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if ev := f.audited("admin.legacy.import"); len(ev) != 0 {
		t.Errorf("a refused file was audited as imported: %+v", ev)
	}
}

// TestLegacyLinkAdmin: support sees an account's answer and who holds a
// legacy account, and deletes the answer, audited; the API answers 404
// once it is gone.
func TestLegacyLinkAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	a := f.seedAccount()
	if _, err := f.svc.ImportLegacy(ctx, "portal", strings.NewReader(badCSV), admin.FormatCSV, true); err != nil {
		t.Fatal(err)
	}
	f.expect(f.call(http.MethodGet, "/admin/clients/portal/legacy/accounts/"+testURN, ""), http.StatusNotFound)
	if err := f.st.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "portal", AccountID: a.ID, LegacyID: "L-7", CreatedAt: epoch}); err != nil {
		t.Fatal(err)
	}
	var v admin.LegacyLinkView
	r := f.call(http.MethodGet, "/admin/clients/portal/legacy/accounts/"+testURN, "")
	f.expect(r, http.StatusOK)
	r.json(t, &v)
	if v.LegacyID != "L-7" || v.URN != testURN || v.ClientID != "portal" {
		t.Errorf("view %+v", v)
	}
	r = f.call(http.MethodGet, "/admin/clients/portal/legacy/ids/L-7", "")
	f.expect(r, http.StatusOK)
	if r.json(t, &v); v.URN != testURN {
		t.Errorf("holder %+v", v)
	}
	f.expect(f.call(http.MethodDelete, "/admin/clients/portal/legacy/accounts/"+testURN, ""), http.StatusNoContent)
	if _, err := f.st.GetLegacyLink(ctx, "portal", a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the answer is still there: %v", err)
	}
	if ev := f.audited("admin.legacy.unlink"); len(ev) != 1 || ev[0].Detail["legacy_id"] != "L-7" || ev[0].AccountID != a.ID {
		t.Errorf("audit %+v", ev)
	}
	f.expect(f.call(http.MethodDelete, "/admin/clients/portal/legacy/accounts/"+testURN, ""), http.StatusNotFound)
	f.expect(f.call(http.MethodGet, "/admin/clients/portal/legacy/ids/L-7", ""), http.StatusNotFound)
}

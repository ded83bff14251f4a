package admin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// certsClient is a client of the configuration file with the record
// step: a certificate number and a date of birth, both fallbacks on.
var certsClient = broker.ClientConfig{Client: store.Client{
	ID: "certs", Secret: configSecret, Name: map[string]string{"en": "Certificates", "fr": "Certificats"},
	RedirectURIs: []string{"https://certs.example/cb"}, AuthMethod: "client_secret_basic",
	SubjectType: "pairwise", IDTokenAlg: "ES256", Steps: []string{"record"},
}, Records: &record.Config{Invoice: true, Assisted: true, Attributes: []record.Attribute{
	{Name: "certificate_number", Label: map[string]string{"en": "Certificate number", "fr": "Numéro de certificat"}},
	{Name: "birth_date", Date: true, Label: map[string]string{"en": "Date of birth", "fr": "Date de naissance"}},
}}}

// newRecordsFixture is newFixture with certsClient configured too.
func newRecordsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.svc = admin.New(f.st, nil, mfa.LockoutConfig{}, testRules(), append(slices.Clone(configClients), certsClient),
		func() time.Time { return epoch })
	f.srv = httptest.NewServer(f.svc.Handler(testToken))
	t.Cleanup(f.srv.Close)
	return f
}

// recordCSV has good rows on lines 2 and 3 and a bad one on every other.
const recordCSV = "record_id,certificate_number,birth_date,email,invoices\n" +
	"R-1,C-1234,1980-02-29,dossier1@example.ca,F77:2024-05-01;F78:2021-01-10\n" +
	"R-2,c 5678,1975-07-01,dossier2@example.ca,\n" +
	"R-3,C9,29/02/1980,dossier3@example.ca,\n" +
	"R-4,C10,1980-02-29,nobody,\n" +
	"R-5,C11,1980-02-29,d5@example.ca,F79\n" +
	"R-1,C12,1980-02-29,d6@example.ca,\n" +
	"R-7,c1234,1980-02-29,d7@example.ca,\n" +
	"R-8,,1980-02-29,d8@example.ca,\n"

// TestImportRecords: every bad row named with its line, nothing imported;
// skipping them, the good rows are, normalized.
func TestImportRecords(t *testing.T) {
	f := newRecordsFixture(t)
	ctx := t.Context()
	rep, err := f.svc.ImportRecords(ctx, "certs", strings.NewReader(recordCSV), admin.FormatCSV, false)
	want := []string{
		`line 4: birth_date "29/02/1980" is not a date (YYYY-MM-DD)`,
		`line 5: email "nobody" is not an address`,
		`line 6: invoice "F79" must be NUMBER:YYYY-MM-DD`,
		`line 7: record_id "R-1" is also on line 2`,
		`line 8: certificate_number "C1234" is also on line 2`,
		`line 9: certificate_number is empty or longer than 128 characters`,
	}
	if !errors.Is(err, admin.ErrBadRows) || len(rep.Bad) != len(want) {
		t.Fatalf("ImportRecords = %+v, %v", rep, err)
	}
	for i, b := range rep.Bad {
		if b.String() != want[i] {
			t.Errorf("bad row %d: %q, want %q", i, b, want[i])
		}
	}
	if _, err := f.st.GetClientRecord(ctx, "certs", "R-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("imported from a file with bad rows: %v", err)
	}
	if rep, err = f.svc.ImportRecords(ctx, "certs", strings.NewReader(recordCSV), admin.FormatCSV, true); err != nil || rep.Imported != 2 {
		t.Fatalf("skipping bad rows: %+v, %v", rep, err)
	}
	r, err := f.st.GetClientRecordByKey(ctx, "certs", "C5678")
	if err != nil || r.RecordID != "R-2" || r.Attributes["birth_date"] != "1975-07-01" {
		t.Errorf("record %+v, %v", r, err)
	}
	r, _ = f.st.GetClientRecord(ctx, "certs", "R-1")
	if len(r.Invoices) != 2 || r.Invoices[0].Number != "F77" || r.Invoices[0].Date.Format("2006-01-02") != "2024-05-01" {
		t.Errorf("invoices %+v", r.Invoices)
	}
	if _, err := f.svc.ImportRecords(ctx, "portal", strings.NewReader(recordCSV), admin.FormatCSV, true); err == nil {
		t.Error("a client without the record step took a file")
	}
	if _, err := f.svc.ImportRecords(ctx, "certs", strings.NewReader("record_id,email\n"), admin.FormatCSV, true); err == nil ||
		!strings.Contains(err.Error(), `the column "certificate_number" is missing`) {
		t.Errorf("a file without an attribute column: %v", err)
	}
}

// TestAssistRequestsAdmin: support lists the open requests and resolves
// one by linking the record, another by closing it; both audited; a
// resolved request cannot be resolved again.
func TestAssistRequestsAdmin(t *testing.T) {
	f := newRecordsFixture(t)
	ctx := t.Context()
	a := f.seedAccount()
	if _, err := f.svc.ImportRecords(ctx, "certs", strings.NewReader(recordCSV), admin.FormatCSV, true); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.AssistRequest{{ID: "q1", ClientID: "certs", AccountID: a.ID, RecordID: "R-1", CreatedAt: epoch}} {
		if err := f.st.CreateAssistRequest(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r := f.call(http.MethodGet, "/admin/clients/certs/records/requests", "")
	f.expect(r, http.StatusOK)
	var list struct{ Requests []admin.AssistView }
	if r.json(t, &list); len(list.Requests) != 1 || list.Requests[0].URN != testURN || list.Requests[0].RecordID != "R-1" {
		t.Fatalf("requests %+v", list)
	}
	r = f.call(http.MethodPost, "/admin/clients/certs/records/requests/q1/resolve", `{"link": true, "note": "called, identity confirmed"}`)
	f.expect(r, http.StatusOK)
	if l, err := f.st.GetRecordLink(ctx, "certs", a.ID); err != nil || l.RecordID != "R-1" || l.Method != store.RecordByAgent {
		t.Errorf("link %+v, %v", l, err)
	}
	f.expect(f.call(http.MethodPost, "/admin/clients/certs/records/requests/q1/resolve", `{"link": false}`), http.StatusBadRequest)
	f.expect(f.call(http.MethodPost, "/admin/clients/certs/records/requests/nope/resolve", `{}`), http.StatusNotFound)
	if err := f.st.CreateAssistRequest(ctx, store.AssistRequest{ID: "q2", ClientID: "certs", AccountID: a.ID, RecordID: "R-2", CreatedAt: epoch}); err != nil {
		t.Fatal(err)
	}
	f.expect(f.call(http.MethodPost, "/admin/clients/certs/records/requests/q2/resolve", `{"link": true}`), http.StatusConflict)
	r = f.call(http.MethodPost, "/admin/clients/certs/records/requests/q2/resolve", `{"note": "email on file corrected"}`)
	f.expect(r, http.StatusOK)
	var v admin.AssistView
	if r.json(t, &v); v.Resolution != "closed" || v.Note != "email on file corrected" {
		t.Errorf("closed %+v", v)
	}
	r = f.call(http.MethodGet, "/admin/clients/certs/records/requests", "")
	if r.json(t, &list); len(list.Requests) != 0 {
		t.Errorf("open requests after resolving: %+v", list)
	}
	ev := f.audited("admin.record.resolve")
	slices.SortFunc(ev, func(a, b store.AuditEvent) int { return strings.Compare(a.Detail["request"], b.Detail["request"]) })
	if len(ev) != 2 || ev[0].Detail["resolution"] != "linked" || ev[1].Detail["resolution"] != "closed" {
		t.Errorf("audit %+v", ev)
	}
}

// TestAttackRecordUnlinkOtherClient: an account's link to a record of
// certs cannot be shown or deleted through another client's path (one
// with the record step, one without, one unknown) nor without the admin
// token; only certs' own path deletes it, once, audited.
func TestAttackRecordUnlinkOtherClient(t *testing.T) {
	f := newFixture(t)
	otherCerts := certsClient
	otherCerts.ID, otherCerts.RedirectURIs = "certs2", []string{"https://certs2.example/cb"}
	f.svc = admin.New(f.st, nil, mfa.LockoutConfig{}, testRules(), append(slices.Clone(configClients), certsClient, otherCerts),
		func() time.Time { return epoch })
	f.srv = httptest.NewServer(f.svc.Handler(testToken))
	t.Cleanup(f.srv.Close)
	ctx := t.Context()
	a := f.seedAccount()
	for _, client := range []string{"certs", "certs2"} {
		if _, err := f.svc.ImportRecords(ctx, client, strings.NewReader(recordCSV), admin.FormatCSV, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.CreateRecordLink(ctx, store.RecordLink{ClientID: "certs", AccountID: a.ID, RecordID: "R-1", Method: store.RecordByCode, CreatedAt: epoch}); err != nil {
		t.Fatal(err)
	}
	path := func(client string) string { return "/admin/clients/" + client + "/records/accounts/" + testURN }
	for client, want := range map[string]int{"certs2": http.StatusNotFound, "portal": http.StatusBadRequest, "nope": http.StatusNotFound} {
		f.expect(f.call(http.MethodGet, path(client), ""), want)
		f.expect(f.call(http.MethodDelete, path(client), ""), want)
	}
	req, _ := http.NewRequest(http.MethodDelete, f.srv.URL+path("certs"), nil)
	req.Header.Set("Authorization", "Bearer not-the-token")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("DELETE with a wrong token: %v %v", resp, err)
	}
	if l, err := f.st.GetRecordLink(ctx, "certs", a.ID); err != nil || l.RecordID != "R-1" {
		t.Fatalf("the link after the refused deletes: %+v, %v", l, err)
	}
	if ev := f.audited("admin.record.unlink"); len(ev) != 0 {
		t.Errorf("refused deletes audited: %+v", ev)
	}
	r := f.call(http.MethodGet, path("certs"), "")
	f.expect(r, http.StatusOK)
	var v admin.RecordLinkView
	if r.json(t, &v); v.RecordID != "R-1" || v.URN != testURN || v.Method != store.RecordByCode {
		t.Errorf("view %+v", v)
	}
	f.expect(f.call(http.MethodDelete, path("certs"), ""), http.StatusNoContent)
	f.expect(f.call(http.MethodDelete, path("certs"), ""), http.StatusNotFound)
	if ev := f.audited("admin.record.unlink"); len(ev) != 1 || ev[0].Detail["record_id"] != "R-1" || ev[0].AccountID != a.ID || ev[0].ClientID != "certs" {
		t.Errorf("audit %+v", ev)
	}
}

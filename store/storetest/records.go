package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// clientRecord is a record of client, found by key.
func clientRecord(client, id, key string) store.ClientRecord {
	return store.ClientRecord{ClientID: client, RecordID: id, Key: key, Attributes: map[string]string{"birth_date": "1980-02-29"},
		Email: id + "@example.org", Invoices: []store.Invoice{{Number: "F-" + id, Date: epoch.Add(-24 * time.Hour)}}, ImportedAt: epoch}
}

// testClientRecords: records are found by ID and by key; importing a
// record again replaces it, key included; a key another record holds
// refuses the whole list; links follow the legacy links' rules.
func testClientRecords(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	r1, r2 := clientRecord("cert", "R-1", "C100"), clientRecord("cert", "R-2", "C200")
	must(t, s.ImportClientRecords(ctx, []store.ClientRecord{r1, r2, clientRecord("other", "R-1", "C100")}), "ImportClientRecords")
	got, err := s.GetClientRecordByKey(ctx, "cert", "C100")
	must(t, err, "GetClientRecordByKey")
	same(t, got, r1, "GetClientRecordByKey")
	got, err = s.GetClientRecord(ctx, "cert", "R-2")
	must(t, err, "GetClientRecord")
	same(t, got, r2, "GetClientRecord")
	r2.Key = "C201"
	must(t, s.ImportClientRecords(ctx, []store.ClientRecord{r2}), "ImportClientRecords again")
	_, err = s.GetClientRecordByKey(ctx, "cert", "C200")
	wantErr(t, err, store.ErrNotFound, "the former key")
	wantErr(t, s.ImportClientRecords(ctx, []store.ClientRecord{clientRecord("cert", "R-3", "C300"), clientRecord("cert", "R-4", "C100")}),
		store.ErrConflict, "ImportClientRecords with a held key")
	_, err = s.GetClientRecord(ctx, "cert", "R-3")
	wantErr(t, err, store.ErrNotFound, "the first of a refused list")
	if err := s.ImportClientRecords(ctx, []store.ClientRecord{{ClientID: "cert", RecordID: "R-5", Key: "C500"}}); err == nil {
		t.Error("ImportClientRecords without an email: no error")
	}

	l := store.RecordLink{ClientID: "cert", AccountID: "acct-1", RecordID: "R-1", Method: store.RecordByCode, CreatedAt: epoch}
	must(t, s.CreateRecordLink(ctx, l), "CreateRecordLink")
	gotL, err := s.GetRecordLink(ctx, "cert", "acct-1")
	must(t, err, "GetRecordLink")
	same(t, gotL, l, "GetRecordLink")
	wantErr(t, s.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: "acct-1", RecordID: "R-2"}), store.ErrAlreadyExists, "a second record")
	wantErr(t, s.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: "acct-2", RecordID: "R-1"}), store.ErrAlreadyExists, "a linked record")
	wantErr(t, s.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: "acct-2", RecordID: "R-9"}), store.ErrNotFound, "a missing record")
	_, err = s.GetRecordLink(ctx, "cert", "acct-2")
	wantErr(t, err, store.ErrNotFound, "acct-2 after refused links")
	must(t, s.CreateRecordLink(ctx, store.RecordLink{ClientID: "other", AccountID: "acct-2", RecordID: "R-1"}), "the other client's R-1")

	wantErr(t, s.DeleteRecordLink(ctx, "cert", "acct-2"), store.ErrNotFound, "DeleteRecordLink of another client's link")
	must(t, s.DeleteRecordLink(ctx, "cert", "acct-1"), "DeleteRecordLink")
	wantErr(t, s.DeleteRecordLink(ctx, "cert", "acct-1"), store.ErrNotFound, "DeleteRecordLink again")
	_, err = s.GetRecordLink(ctx, "cert", "acct-1")
	wantErr(t, err, store.ErrNotFound, "GetRecordLink after delete")
	_, err = s.GetRecordLink(ctx, "other", "acct-2")
	must(t, err, "the other client's link after delete")
	must(t, s.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: "acct-2", RecordID: "R-1"}), "R-1 linked again after delete")
}

// testAssistRequests: one open request per account and client; resolved,
// it leaves room for another; the list is the client's, oldest first.
func testAssistRequests(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	req := func(id, client, account string, at time.Duration) store.AssistRequest {
		return store.AssistRequest{ID: id, ClientID: client, AccountID: account, RecordID: "R-1", CreatedAt: epoch.Add(at)}
	}
	must(t, s.CreateAssistRequest(ctx, req("q2", "cert", "acct-2", time.Minute)), "CreateAssistRequest q2")
	must(t, s.CreateAssistRequest(ctx, req("q1", "cert", "acct-1", 0)), "CreateAssistRequest q1")
	must(t, s.CreateAssistRequest(ctx, req("q3", "other", "acct-1", 0)), "CreateAssistRequest, other client")
	wantErr(t, s.CreateAssistRequest(ctx, req("q4", "cert", "acct-1", time.Hour)), store.ErrAlreadyExists, "a second open request")
	wantErr(t, s.CreateAssistRequest(ctx, req("q1", "cert", "acct-9", time.Hour)), store.ErrAlreadyExists, "a duplicate ID")
	list, err := s.ListAssistRequests(ctx, "cert")
	must(t, err, "ListAssistRequests")
	if len(list) != 2 || list[0].ID != "q1" || list[1].ID != "q2" {
		t.Fatalf("ListAssistRequests = %+v, want q1 then q2", list)
	}
	must(t, s.UpdateAssistRequest(ctx, "q1", func(a store.AssistRequest) (store.AssistRequest, error) {
		a.ResolvedAt, a.Resolution, a.Note = epoch.Add(time.Hour), "closed", "called back"
		return a, nil
	}), "UpdateAssistRequest resolve")
	got, err := s.GetAssistRequest(ctx, "q1")
	must(t, err, "GetAssistRequest")
	if got.Open() || got.Note != "called back" {
		t.Errorf("resolved request %+v", got)
	}
	wantErr(t, s.UpdateAssistRequest(ctx, "q1", func(a store.AssistRequest) (store.AssistRequest, error) {
		a.ResolvedAt = time.Time{}
		return a, nil
	}), store.ErrConflict, "reopening")
	wantErr(t, s.UpdateAssistRequest(ctx, "q2", func(a store.AssistRequest) (store.AssistRequest, error) {
		a.AccountID = "acct-1"
		return a, nil
	}), store.ErrConflict, "moving to another account")
	must(t, s.CreateAssistRequest(ctx, req("q4", "cert", "acct-1", time.Hour)), "a new request once the first is resolved")
	wantErr(t, s.UpdateAssistRequest(ctx, "nope", func(a store.AssistRequest) (store.AssistRequest, error) { return a, nil }),
		store.ErrNotFound, "UpdateAssistRequest missing")
}

// testLinkRecordOnce: of many accounts racing to link one record,
// exactly one does.
func testLinkRecordOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	must(t, s.ImportClientRecords(ctx, []store.ClientRecord{clientRecord("cert", "R-1", "C100")}), "ImportClientRecords")
	errs := race(func(i int) error {
		return s.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: fmt.Sprintf("acct-%d", i), RecordID: "R-1"})
	})
	w := oneWinner(t, errs, store.ErrAlreadyExists)
	if _, err := s.GetRecordLink(ctx, "cert", fmt.Sprintf("acct-%d", w)); err != nil {
		t.Errorf("the winner's link: %v", err)
	}
}

// testLegacyAndRecordsCopy: a store that exports hands out the legacy
// accounts and links, the client records and links and the requests for
// an agent, and store.Copy puts them into another store; a second copy
// writes nothing.
func testLegacyAndRecordsCopy(t *testing.T, newStore NewStore) {
	src, clk := open(t, newStore)
	x, ok := src.(store.Exporter)
	if !ok {
		t.Skip("the store does not implement store.Exporter")
	}
	ctx := t.Context()
	must(t, src.ImportLegacyAccounts(ctx, []store.LegacyAccount{legacyAccount("ipo", "L-1", "a"), legacyAccount("ipo", "L-2", "b")}), "ImportLegacyAccounts")
	must(t, src.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo", AccountID: "acct-1", LegacyID: "L-1", CreatedAt: epoch}), "CreateLegacyLink")
	must(t, src.CreateLegacyLink(ctx, store.LegacyLink{ClientID: "ipo", AccountID: "acct-2", CreatedAt: epoch}), "CreateLegacyLink none")
	must(t, src.ImportClientRecords(ctx, []store.ClientRecord{clientRecord("cert", "R-1", "C100")}), "ImportClientRecords")
	must(t, src.CreateRecordLink(ctx, store.RecordLink{ClientID: "cert", AccountID: "acct-1", RecordID: "R-1", Method: store.RecordByCode, CreatedAt: epoch}), "CreateRecordLink")
	must(t, src.CreateAssistRequest(ctx, store.AssistRequest{ID: "q1", ClientID: "cert", AccountID: "acct-2", RecordID: "R-1", CreatedAt: epoch}), "CreateAssistRequest")

	dst := newStore(t, clk.Now)
	counts, err := store.Copy(ctx, x, dst)
	must(t, err, "Copy")
	for kind, want := range map[string]int{store.KindLegacyAccount: 2, store.KindLegacyLink: 2, store.KindClientRecord: 1,
		store.KindRecordLink: 1, store.KindAssistRequest: 1} {
		if counts[kind] != want {
			t.Errorf("Copy: %d %s written, want %d", counts[kind], kind, want)
		}
	}
	a, err := dst.GetLegacyAccountByUsername(ctx, "ipo", "A")
	must(t, err, "GetLegacyAccountByUsername in the target")
	same(t, a, legacyAccount("ipo", "L-1", "a"), "copied legacy account")
	l, err := dst.GetLegacyLinkByLegacyID(ctx, "ipo", "L-1")
	must(t, err, "GetLegacyLinkByLegacyID in the target")
	if l.AccountID != "acct-1" {
		t.Errorf("copied legacy link %+v", l)
	}
	r, err := dst.GetRecordLink(ctx, "cert", "acct-1")
	must(t, err, "GetRecordLink in the target")
	if r.RecordID != "R-1" {
		t.Errorf("copied record link %+v", r)
	}
	q, err := dst.GetAssistRequest(ctx, "q1")
	must(t, err, "GetAssistRequest in the target")
	if !q.Open() || q.RecordID != "R-1" {
		t.Errorf("copied request %+v", q)
	}
	counts, err = store.Copy(ctx, x, dst)
	must(t, err, "Copy again")
	for _, kind := range []string{store.KindLegacyAccount, store.KindLegacyLink, store.KindClientRecord, store.KindRecordLink, store.KindAssistRequest} {
		if counts[kind] != 0 || counts[kind+store.SkippedSuffix] == 0 {
			t.Errorf("Copy again: %d %s written, %d skipped; want none written", counts[kind], kind, counts[kind+store.SkippedSuffix])
		}
	}
}

package broker_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// TestRecordUnlinkedByAdmin: alex links file R-1 by invoice and is told
// by email; an administrator deletes the link over the admin API; the
// next token carries no record claim, the next sign-in asks for a file
// again, alex is told, and the freed file can be linked again.
func TestRecordUnlinkedByAdmin(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, recordClients, func(c *broker.Config) { c.Accounts.Contact = testContact })
	importRecords(t, e)
	log := &noticeLog{e: e}
	r := e.rp("rp2")
	b := e.browser()
	linkByInvoice := func(p page) page {
		p = recordPost(t, b, p, "find", "certificate_number", "C1234", "birth_date", "1980-02-29")
		return recordPost(t, b, b.Get(p.Resp.Request.URL.String()+"?view=other"), "invoice", "invoice", "F1NEW")
	}
	a := r.start()
	p := b.upstreamLogin(b.choose(b.choose(b.Get(a.url), "partners"), "bank-a"), "alex")
	tok, err := r.exchange(r.callback(linkByInvoice(p), a).Get("code"), a)
	if err != nil || tok.claims[record.DefaultClaim] != "R-1" {
		t.Fatalf("linked: %v, %v", tok.claims, err)
	}
	const addr = "alex@example.org"
	expectNotices(t, "record linked", log.since(), addr+": "+notify.NoticeAccountCreated, addr+": "+notify.NoticeFactorAdded,
		addr+": "+notify.NoticeRecoveryRegenerated, addr+": "+notify.NoticeRecordLinked)

	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{},
		[]broker.ClientConfig{{Client: store.Client{ID: "rp2"}, Records: &record.Config{}}}, e.clock.Now, admin.WithNotices(e.broker.Notices()))
	api := httptest.NewServer(svc.Handler("admin-token"))
	t.Cleanup(api.Close)
	urn := e.onlyAccount().URN
	unlink := func(client string) int {
		req, _ := http.NewRequest(http.MethodDelete, api.URL+"/admin/clients/"+client+"/records/accounts/"+urn, nil)
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := unlink("rp2"); got != http.StatusNoContent {
		t.Fatalf("DELETE the link: %d", got)
	}
	if got := unlink("rp2"); got != http.StatusNotFound {
		t.Errorf("DELETE it again: %d", got)
	}
	expectNotices(t, "record unlinked", log.since(), addr+": "+notify.NoticeRecordUnlinked)
	if info := e.userinfo(tok.AccessToken); info[record.DefaultClaim] != nil {
		t.Errorf("userinfo after the unlink: %v", info)
	}
	a = r.start()
	p = b.Get(a.url)
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/record") {
		t.Fatalf("the next sign-in after the unlink: %s", p.Resp.Request.URL)
	}
	if tok, err = r.exchange(r.callback(linkByInvoice(p), a).Get("code"), a); err != nil || tok.claims[record.DefaultClaim] != "R-1" {
		t.Errorf("the freed file linked again: %v, %v", tok.claims, err)
	}
	if ev := e.audit(); !hasAudit(ev, "admin.record.unlink", e.onlyAccount().ID) {
		t.Errorf("the unlink is not audited: %+v", ev)
	}
}

// hasAudit reports whether evs holds an event of kind about the account.
func hasAudit(evs []store.AuditEvent, kind, accountID string) bool {
	for _, ev := range evs {
		if ev.Kind == kind && ev.AccountID == accountID && ev.Actor == admin.Actor {
			return true
		}
	}
	return false
}

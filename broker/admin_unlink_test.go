package broker_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// stepsAdminAPI is the admin HTTP API (adminAPI) over e's store, with
// e's notices, for a configuration file whose client rp2 has the given
// steps' settings.
func stepsAdminAPI(t *testing.T, e *env, rp2 broker.ClientConfig) adminAPI {
	rp2.ID = "rp2"
	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{}, []broker.ClientConfig{rp2}, e.clock.Now,
		admin.WithNotices(e.broker.Notices()))
	srv := httptest.NewServer(svc.Handler("admin-token"))
	t.Cleanup(srv.Close)
	return adminAPI{t: t, srv: srv}
}

// signedUp is what a first sign-in at bank-a emails alex.
func signedUp(addr string) []string {
	return []string{addr + ": " + notify.NoticeAccountCreated, addr + ": " + notify.NoticeFactorAdded, addr + ": " + notify.NoticeRecoveryRegenerated}
}

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
	expectNotices(t, "record linked", log.since(), append(signedUp(addr), addr+": "+notify.NoticeRecordLinked)...)

	api := stepsAdminAPI(t, e, broker.ClientConfig{Records: &record.Config{}})
	acct := e.onlyAccount()
	path := "/admin/clients/rp2/records/accounts/" + acct.URN
	if got, _, body := api.call(http.MethodDelete, path, ""); got != http.StatusNoContent {
		t.Fatalf("DELETE the link: %d %s", got, body)
	}
	if got, _, _ := api.call(http.MethodDelete, path, ""); got != http.StatusNotFound {
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
	if ev := e.audit(); !hasAudit(ev, "admin.record.unlink", acct.ID) {
		t.Errorf("the unlink is not audited: %+v", ev)
	}
}

// TestLegacyLinkNotices: a former account linked at the legacy step, and
// the link an administrator deletes, are each told to the owner by email
// (bilingual, what to do if it was not them); the next sign-in asks again.
func TestLegacyLinkNotices(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, legacyClients("ipo_client"), func(c *broker.Config) { c.Accounts.Contact = testContact })
	importLegacy(t, e)
	log := &noticeLog{e: e}
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.choose(b.Get(a.url), "partners"), "bank-a"), "alex")
	tok, err := r.exchange(r.callback(legacyAnswer(t, b, p, "link", "marie.tremblay", "vieux-mot"), a).Get("code"), a)
	if err != nil || tok.claims["ipo_client"] != "L-100" {
		t.Fatalf("linked: %v, %v", tok.claims, err)
	}
	const addr = "alex@example.org"
	expectNotices(t, "legacy linked", log.since("vieux-mot"), append(signedUp(addr), addr+": "+notify.NoticeRecordLinked)...)

	api := stepsAdminAPI(t, e, broker.ClientConfig{Client: store.Client{Steps: []string{legacy.Name}}})
	if got, _, body := api.call(http.MethodDelete, "/admin/clients/rp2/legacy/accounts/"+e.onlyAccount().URN, ""); got != http.StatusNoContent {
		t.Fatalf("DELETE the link: %d %s", got, body)
	}
	expectNotices(t, "legacy unlinked", log.since(), addr+": "+notify.NoticeRecordUnlinked)
	if p := b.Get(r.start().url); !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/legacy") {
		t.Errorf("the next sign-in after the unlink: %s", p.Resp.Request.URL)
	}
}

// hasAudit reports whether evs holds an administrator's event of kind
// about the account.
func hasAudit(evs []store.AuditEvent, kind, accountID string) bool {
	for _, ev := range evs {
		if ev.Kind == kind && ev.AccountID == accountID && ev.Actor == admin.Actor {
			return true
		}
	}
	return false
}

package broker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

const twoYears = 2 * 365 * 24 * time.Hour

var testContact = map[string]string{"en": "Client technical services, 1-800-555-0100", "fr": "Services techniques aux clients, 1-800-555-0100"}

// newDormancyEnv is the harness with accounts.dormant_after two years and
// a contact.
func newDormancyEnv(t *testing.T) *env {
	return newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Accounts = broker.AccountsConfig{DormantAfter: twoYears, Contact: testContact}
	})
}

// urnMail is the message that gave addr its URN, and the URN.
func (e *env) urnMail(addr string) (notify.Message, string) {
	e.t.Helper()
	for _, m := range e.outbox.Messages() {
		if m.To == addr && strings.Contains(m.Subject, "User Reference Number") {
			return m, regexpFind(m.Text, `(\d{4}-\d{4}-\d{4})`)
		}
	}
	e.t.Fatalf("no URN message to %s among %d", addr, len(e.outbox.Messages()))
	return notify.Message{}, ""
}

// TestURNEmailedAfterAccountCreation: the first sign-in with a bank that
// gives a verified address creates the account and emails its URN, in
// both languages, over SMTP; the URN is the account's. A credential that
// gives no address (gckey answers openid only) gets no message.
func TestURNEmailedAfterAccountCreation(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Accounts.Contact = testContact })
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "bank-a", "alex", oauth2.SetAuthURLParam("ui_locales", "fr"))
	m, urn := e.urnMail("alex@example.org")
	a, err := e.store.GetAccountByURN(context.Background(), urn)
	if err != nil || a.Email != "alex@example.org" {
		t.Fatalf("the emailed URN %q is not alex's account: %+v, %v", urn, a, err)
	}
	if !strings.Contains(m.Subject, "numéro de référence") || strings.Count(m.Text, urn) != 2 ||
		!strings.Contains(m.Text, testContact["en"]) || !strings.Contains(m.Text, testContact["fr"]) {
		t.Errorf("URN message not bilingual or without contact: %s\n%s", m.Subject, m.Text)
	}
	n := len(e.outbox.Messages())
	e.signIn(r, e.browser(), "bank-a", "alex")
	for _, m := range e.outbox.Messages()[:len(e.outbox.Messages())-n] {
		if strings.Contains(m.Subject, "User Reference Number") {
			t.Error("a second sign-in emailed the URN again")
		}
	}
	before := len(e.outbox.Messages())
	e.signIn(r, e.browser(), "gckey", "sam")
	if got := len(e.outbox.Messages()); got != before {
		t.Errorf("an account without an address got %d messages", got-before)
	}
}

// dormantAccount signs alex in with gckey once, the first account of the
// test, then lets two years and a day pass; it returns alex's account.
func (e *env) dormantAccount(r *rp) store.Account {
	e.t.Helper()
	e.signIn(r, e.browser(), "gckey", "alex")
	e.clock.Advance(twoYears + 24*time.Hour)
	return e.onlyAccount()
}

// expectDormantPage checks a dormant account's page in lang.
func expectDormantPage(t *testing.T, p page, lang string) {
	t.Helper()
	want := map[string]string{"en": "Your account is inactive", "fr": "Votre compte est inactif"}[lang]
	if p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, testContact[lang]) {
		t.Fatalf("want the %s dormant page with the contact, got %d at %s: %.800s", lang, p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
}

// TestDormantAccountStopsUntilAnAdministratorReactivatesIt: two years and
// a day after alex's last sign-in, the next one stops after the upstream,
// before the second factor, on a page that says what happened and whom to
// contact, in English and in French; the stop is audited and the relying
// party gets nothing. Once an administrator reactivates the account
// (admin API), the sign-in goes through.
func TestDormantAccountStopsUntilAnAdministratorReactivatesIt(t *testing.T) {
	e := newDormancyEnv(t)
	r := e.rp("rp1")
	acct := e.dormantAccount(r)

	b := e.browser()
	p := b.upstreamLoginRaw(b.choose(b.Get(r.start().url), "gckey"), "alex")
	expectDormantPage(t, p, "en")
	b = e.browser()
	p = b.upstreamLoginRaw(b.choose(b.Get(r.start(oauth2.SetAuthURLParam("ui_locales", "fr")).url), "gckey"), "alex")
	expectDormantPage(t, p, "fr")
	if n := e.auditCount("account.dormant", "marked"); n != 1 {
		t.Errorf("%d account.dormant events, want 1", n)
	}
	if n := e.auditCount("signin", "dormant"); n != 2 {
		t.Errorf("%d stopped sign-ins audited, want 2", n)
	}
	if n := e.auditCount("signin", "success"); n != 1 {
		t.Errorf("%d successful sign-ins, want only the first", n)
	}

	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{}, nil, e.clock.Now)
	srv := svc.Handler("admin-token")
	req, _ := http.NewRequest(http.MethodPost, "/admin/accounts/"+acct.URN+"/reactivate", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("reactivate: %d %s", rec.Code, rec.Body)
	}
	tok := e.signIn(r, e.browser(), "gckey", "alex")
	if tok.idToken == nil {
		t.Fatal("no ID token after reactivation")
	}
}

// TestSweepMarksIdleAccountsDormant: the broker's sweep marks an account
// idle past the period without anyone signing in, ending its SSO session
// and its relying parties' refresh tokens; an account used within the
// period stays active.
func TestSweepMarksIdleAccountsDormant(t *testing.T) {
	e := newDormancyEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := e.signIn(r, b, "gckey", "alex")
	e.clock.Advance(twoYears / 2)
	e.signIn(r, e.browser(), "gckey", "sam")
	e.clock.Advance(twoYears/2 + 24*time.Hour)
	if next := e.broker.Sweep(context.Background(), ""); next != "" {
		t.Errorf("two accounts took more than one page: next %q", next)
	}
	if n := e.auditCount("account.dormant", "marked"); n != 1 {
		t.Fatalf("%d accounts marked, want alex's alone", n)
	}
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("the dormant account's refresh token still works")
	}
	// Alex's browser had an SSO session: it no longer signs in.
	p := b.Get(r.start().url)
	if p.Resp.StatusCode == http.StatusSeeOther {
		t.Fatalf("the dormant account's SSO session gave %s", p.Resp.Header.Get("Location"))
	}
	p = b.upstreamLoginRaw(b.choose(p, "gckey"), "alex")
	expectDormantPage(t, p, "en")
	// Sam signed in a year ago: still active.
	e.signIn(r, e.browser(), "gckey", "sam")
}

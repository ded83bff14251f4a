package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// recordClients is rp2 with the record step: a certificate number and a
// date of birth, both fallbacks on.
func recordClients(c *broker.Config) {
	for i := range c.Clients {
		if c.Clients[i].ID == "rp2" {
			c.Clients[i].Steps = []string{record.Name}
			c.Clients[i].Records = &record.Config{Invoice: true, Assisted: true, Attributes: []record.Attribute{
				{Name: "certificate_number", Label: map[string]string{"en": "Certificate number", "fr": "Numéro de certificat"}},
				{Name: "birth_date", Date: true, Label: map[string]string{"en": "Date of birth", "fr": "Date de naissance"}},
			}}
		}
	}
}

// importRecords imports rp2's file: R-1 (certificate C1234, born
// 1980-02-29, dossier1@example.org) and R-2 (C5678, 1975-07-01,
// dossier2@example.org), each with an invoice of last year and one of
// four years ago.
func importRecords(t *testing.T, e *env) {
	t.Helper()
	now := e.clock.Now()
	inv := func(n string) []store.Invoice {
		return []store.Invoice{{Number: "F" + n + "NEW", Date: now.AddDate(-1, 0, 0)}, {Number: "F" + n + "OLD", Date: now.AddDate(-4, 0, 0)}}
	}
	if err := e.store.ImportClientRecords(t.Context(), []store.ClientRecord{
		{ClientID: "rp2", RecordID: "R-1", Key: "C1234", Attributes: map[string]string{"birth_date": "1980-02-29"}, Email: "dossier1@example.org", Invoices: inv("1")},
		{ClientID: "rp2", RecordID: "R-2", Key: "C5678", Attributes: map[string]string{"birth_date": "1975-07-01"}, Email: "dossier2@example.org", Invoices: inv("2")},
	}); err != nil {
		t.Fatal(err)
	}
}

// recordPost posts do with the fields to the record step's page p.
func recordPost(t *testing.T, b *browser, p page, do string, fields ...string) page {
	t.Helper()
	path := p.Resp.Request.URL.Path
	if !strings.HasSuffix(path, "/step/record") {
		t.Fatalf("expected the record step, landed on %s (%d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	v := url.Values{"csrf": {csrfOf(t, p)}, "do": {do}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return b.Post(p.Resp.Request.URL.Scheme+"://"+p.Resp.Request.URL.Host+path, v)
}

// TestRecordLinking: after the second factor, the attributes find the
// file; every wrong answer gets its own message (never which attribute)
// and counts; the code goes to the email on file over SMTP, expires, and
// a new one can be sent; the right code links the record, which the
// client receives as a claim.
func TestRecordLinking(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, recordClients)
	importRecords(t, e)
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex")
	if !strings.Contains(p.Body, "Certificate number") || !strings.Contains(p.Body, "Find your file") {
		t.Fatalf("the record page is not shown: %.600s", p.Body)
	}
	before := e.failures("alex")
	p = recordPost(t, b, p, "find")
	if strings.Count(p.Body, "Fill in this field.") < 2 {
		t.Errorf("empty attributes: %s", errorOf(p))
	}
	p = recordPost(t, b, p, "find", "certificate_number", "C1234", "birth_date", "29/02/1980")
	if !strings.Contains(errorOf(p), "Enter the date as year-month-day") || !strings.Contains(p.Body, `value="C1234"`) {
		t.Errorf("a malformed date: %s", errorOf(p))
	}
	if e.failures("alex") != before {
		t.Errorf("malformed answers were counted as guesses")
	}
	wrongDate := recordPost(t, b, p, "find", "certificate_number", "C1234", "birth_date", "1980-03-01")
	wrongNumber := recordPost(t, b, wrongDate, "find", "certificate_number", "C9999", "birth_date", "1980-02-29")
	for _, q := range []page{wrongDate, wrongNumber} {
		if !strings.Contains(errorOf(q), "does not match a file") {
			t.Fatalf("a wrong attribute: %s", errorOf(q))
		}
	}
	if errorOf(wrongDate) != errorOf(wrongNumber) {
		t.Errorf("the answers tell which attribute was wrong:\n%s\n%s", errorOf(wrongDate), errorOf(wrongNumber))
	}
	if got := e.failures("alex"); got != before+2 {
		t.Errorf("failures %d, want %d", got, before+2)
	}
	sent := len(e.outbox.Messages())
	p = recordPost(t, b, wrongNumber, "find", "certificate_number", " c-1234 ", "birth_date", "1980-02-29")
	if !strings.Contains(p.Body, "d•••") && !strings.Contains(p.Body, "Enter the security code") {
		t.Fatalf("no code page after a match: %s %.500s", errorOf(p), p.Body)
	}
	msgs := e.outbox.Messages()
	if len(msgs) != sent+1 || msgs[0].To != "dossier1@example.org" || !strings.Contains(msgs[0].Subject, "link your file") {
		t.Fatalf("the code went to %v (%q), want the email on file", msgs[0].To, msgs[0].Subject)
	}
	first := e.lastCode("dossier1@example.org")
	p = recordPost(t, b, p, "code", "code", wrongCode(first))
	if !strings.Contains(errorOf(p), "The code is not correct") || e.failures("alex") != before+3 {
		t.Errorf("a wrong code: %s, failures %d", errorOf(p), e.failures("alex"))
	}
	e.clock.Advance(11 * time.Minute) // past mfa.email.code_ttl (10m)
	p = recordPost(t, b, p, "code", "code", first)
	if !strings.Contains(errorOf(p), "The code has expired. Send a new code.") {
		t.Errorf("an expired code: %s", errorOf(p))
	}
	p = recordPost(t, b, p, "resend")
	second := e.lastCode("dossier1@example.org")
	if len(e.outbox.Messages()) != sent+2 {
		t.Fatalf("no new code was sent")
	}
	q := r.callback(recordPost(t, b, p, "code", "code", second), a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims[record.DefaultClaim] != "R-1" {
		t.Errorf("claims %v, want record_id R-1", tok.claims)
	}
	if info := e.userinfo(tok.AccessToken); info[record.DefaultClaim] != "R-1" {
		t.Errorf("userinfo %v", info)
	}
	if tok := e.signIn(r, b, "gckey", "alex"); tok.claims[record.DefaultClaim] != "R-1" {
		t.Errorf("second sign-in %v", tok.claims)
	}
	if l, err := e.store.GetRecordLink(t.Context(), "rp2", e.accountOf("alex").ID); err != nil || l.Method != store.RecordByCode {
		t.Errorf("link %+v, %v", l, err)
	}
}

// wrongCode is a six-digit code other than c.
func wrongCode(c string) string {
	if c == "000000" {
		return "000001"
	}
	return "000000"
}

// TestRecordFallbacks: without the code, an invoice of the last three
// years links the file (an older one does not); or an agent's help is
// asked, and the sign-in goes on without a record.
func TestRecordFallbacks(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, recordClients)
	importRecords(t, e)
	r := e.rp("rp2")
	sam := e.browser()
	a := r.start()
	p := sam.upstreamLogin(sam.choose(sam.Get(a.url), "gckey"), "sam")
	p = recordPost(t, sam, p, "find", "certificate_number", "C5678", "birth_date", "1975-07-01")
	lost := sam.Get(p.Resp.Request.URL.String() + "?view=other")
	if !strings.Contains(lost.Body, "Invoice number") || !strings.Contains(lost.Body, "Ask an agent") {
		t.Fatalf("the other ways: %.600s", lost.Body)
	}
	old := recordPost(t, sam, lost, "invoice", "invoice", "F2OLD")
	if !strings.Contains(errorOf(old), "does not match an invoice of the last three years") {
		t.Errorf("an invoice four years old: %s", errorOf(old))
	}
	q := r.callback(recordPost(t, sam, old, "invoice", "invoice", "f2-new"), a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil || tok.claims[record.DefaultClaim] != "R-2" {
		t.Fatalf("linked by invoice: %v %v", tok.claims, err)
	}

	alex := e.browser()
	a = r.start()
	p = alex.upstreamLogin(alex.choose(alex.Get(a.url), "gckey"), "alex")
	p = recordPost(t, alex, p, "find", "certificate_number", "C1234", "birth_date", "1980-02-29")
	lost = alex.Get(p.Resp.Request.URL.String() + "?view=other")
	p = recordPost(t, alex, lost, "assist")
	if !strings.Contains(p.Body, "Your request was sent") {
		t.Fatalf("after asking an agent: %s %.400s", p.Resp.Request.URL, p.Body)
	}
	q = r.callback(recordPost(t, alex, p, "continue"), a)
	tok, err = r.exchange(q.Get("code"), a)
	if err != nil || tok.claims[record.DefaultClaim] != nil {
		t.Fatalf("after an assisted request: %v %v", tok.claims, err)
	}
	reqs, err := e.store.ListAssistRequests(t.Context(), "rp2")
	if err != nil || len(reqs) != 1 || reqs[0].RecordID != "R-1" || !reqs[0].Open() || reqs[0].AccountID != e.accountOf("alex").ID {
		t.Fatalf("assist requests %+v, %v", reqs, err)
	}
	// Until the record is linked, the next sign-in asks again.
	a = r.start()
	if p := alex.Get(a.url); !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/record") || p.Resp.StatusCode != http.StatusOK {
		t.Errorf("the next sign-in: %s", p.Resp.Request.URL)
	}
}

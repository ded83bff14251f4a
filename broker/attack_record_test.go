package broker_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/demoidp"
)

// TestAttackRecordBeforeTheFactor: the holder of a stolen password, at
// the account's second factor, posts a file's right attributes to the
// record step: it does not answer, sends no code to anyone, and no code
// reaches the client; nor do the fallbacks answer.
func TestAttackRecordBeforeTheFactor(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, recordClients)
	importRecords(t, e)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's app
	sent := len(e.outbox.Messages())
	b, p, _ := e.attackerAtChallenge(e.rp("rp2"), "gckey", "alex")
	base := e.issuer + stepPath(t, p)
	for _, do := range []string{"find", "resend", "invoice", "assist", "continue"} {
		got := b.Post(base+"/step/record", url.Values{"csrf": {csrfOf(t, p)}, "do": {do},
			"certificate_number": {"C1234"}, "birth_date": {"1980-02-29"}, "invoice": {"F1NEW"}})
		noCode(t, got, "record "+do+" at the challenge")
		if !strings.Contains(got.Resp.Request.URL.Path, "/mfa/use/") {
			t.Errorf("the record step answered %s out of turn: %s", do, got.Resp.Request.URL)
		}
	}
	if g := b.Get(base + "/step/record?view=other"); strings.Contains(g.Body, "Invoice number") {
		t.Errorf("the fallbacks showed before the factor")
	}
	for _, m := range e.outbox.Messages()[:len(e.outbox.Messages())-sent] {
		if m.To == "dossier1@example.org" {
			t.Errorf("a code went to the file's address before the factor")
		}
	}
	if reqs, _ := e.store.ListAssistRequests(t.Context(), "rp2"); len(reqs) != 0 {
		t.Errorf("an assist request was queued before the factor: %+v", reqs)
	}
}

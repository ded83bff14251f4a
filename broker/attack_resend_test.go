package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/store"
)

// emailFactorOf is the id of the email factor of the account user signs
// in to at gckey.
func emailFactorOf(t *testing.T, e *env, user string) string {
	t.Helper()
	fs, err := e.store.ListFactors(t.Context(), accountOf(t, e, "gckey", user))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fs {
		if x.Kind == store.FactorEmail {
			return x.ID
		}
	}
	t.Fatalf("%s has no email factor", user)
	return ""
}

// mailsTo counts the emails sent to addr.
func (e *env) mailsTo(addr string) int {
	n := 0
	for _, m := range e.outbox.Messages() {
		if m.To == addr {
			n++
		}
	}
	return n
}

// TestAttackResendReachesOnlyTheAccountsOwnAddress: the resend route
// (POST /login/{id}/mfa/resend/{factor}), from the side of the holder of
// alex's password. A new code goes only to the address of one of alex's
// own email factors, whatever the form says: never to another account's
// factor, never to an address the attacker posts; and the request stays
// at the challenge, with no factor recorded.
func TestAttackResendReachesOnlyTheAccountsOwnAddress(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	for _, u := range []string{"sam", "alex"} { // each sets up an email factor
		b := e.browser()
		a := r.start()
		p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), u), u+"@example.org")
		if r.callback(p, a).Get("code") == "" {
			t.Fatalf("%s's sign-in with an email code did not finish: %s", u, p.Resp.Request.URL)
		}
	}
	sams, alexs := emailFactorOf(t, e, "sam"), emailFactorOf(t, e, "alex")
	const evil = "attacker@evil.example"

	b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
	ar := requestOf(t, e, p)
	base := e.issuer + stepPath(t, p)
	toSam, toAlex := e.mailsTo("sam@example.org"), e.mailsTo("alex@example.org")
	for _, id := range []string{sams, alexs} {
		v := url.Values{"csrf": {csrfOf(t, p)}, "email": {evil}, "address": {evil}, "to": {evil}}
		q := b.Post(base+"/mfa/resend/"+url.PathEscape(id), v)
		noCode(t, q, "resend")
		if q.Resp.StatusCode >= http.StatusInternalServerError {
			t.Errorf("resend of %s: %d", id, q.Resp.StatusCode)
		}
	}
	if n := e.mailsTo("sam@example.org"); n != toSam {
		t.Errorf("alex's sign-in sent %d codes to sam's address", n-toSam)
	}
	if n := e.mailsTo("alex@example.org"); n != toAlex+1 {
		t.Errorf("the resend of alex's own factor sent %d codes to alex's address, want 1", n-toAlex)
	}
	if n := e.mailsTo(evil); n != 0 {
		t.Errorf("%d codes went to the attacker's address", n)
	}
	stillAtTheFactor(t, e, ar.ID, accountOf(t, e, "gckey", "alex"), "resend")
	got, err := e.store.GetAuthRequest(t.Context(), ar.ID)
	if err != nil {
		t.Fatal(err)
	}
	for kind, s := range got.FactorState {
		if strings.Contains(string(s), "evil") || strings.Contains(string(s), "sam@") {
			t.Errorf("the request's %s state names another address: %s", kind, s)
		}
	}
}

// TestAttackEnrolResendWithoutTheFactor: the set-up's resend route (POST
// /login/{id}/mfa/enrol/email/resend), from the side of the holder of
// alex's password only. Alex has an email factor; the attacker has not
// passed it, so no set-up may start and no new code goes anywhere, even
// after the attacker posts an address of their own to the set-up.
func TestAttackEnrolResendWithoutTheFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b0 := e.browser()
	a := r.start()
	if p := b0.emailMFA(b0.upstreamPost(b0.choose(b0.Get(a.url), "gckey"), "alex"), "alex@example.org"); r.callback(p, a).Get("code") == "" {
		t.Fatalf("alex's first sign-in did not finish: %s", p.Resp.Request.URL)
	}
	const evil = "attacker@evil.example"
	b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
	ar := requestOf(t, e, p)
	base := e.issuer + stepPath(t, p)
	toAlex := e.mailsTo("alex@example.org")
	v := url.Values{"csrf": {csrfOf(t, p)}, "email": {evil}}
	noCode(t, b.Post(base+"/mfa/enrol/email/finish", v), "set-up with the attacker's address")
	q := b.Post(base+"/mfa/enrol/email/resend", url.Values{"csrf": {csrfOf(t, p)}})
	noCode(t, q, "set-up resend")
	if q.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("set-up resend without the factor: %d, want 403", q.Resp.StatusCode)
	}
	if n := e.mailsTo(evil) + e.mailsTo("alex@example.org") - toAlex; n != 0 {
		t.Errorf("%d codes sent by an attacker who never passed the factor", n)
	}
	stillAtTheFactor(t, e, ar.ID, accountOf(t, e, "gckey", "alex"), "set-up resend")
}

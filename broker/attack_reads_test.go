package broker_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAttackOwnFactorAtTheVictimsChallenge: every second-factor page reads
// its request with the account the request names and that account's
// factors in one read (GetAuthRequestWithAccount: on PostgreSQL one
// statement joining them on the account the request's record names),
// and the upstream's callback picks the first challenge from the
// factors read with the link (GetLinkWithAccount). The attacker holds
// alex's password and an account of their own, sam, with their own
// authenticator app. At alex's challenge they open sam's factor (they
// are sent back to alex's) and answer it with a right code of sam's app, then answer alex's with a
// wrong code: no code reaches the relying party, the request still waits
// for alex's factor, and sam's factor is not used.
func TestAttackOwnFactorAtTheVictimsChallenge(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		e.signIn(r, e.browser(), "gckey", "alex") // the victim's app
		e.signIn(r, e.browser(), "gckey", "sam")  // the attacker's own
		alex := accountOf(t, e, "gckey", "alex")
		sam, err := e.store.GetAccount(t.Context(), accountOf(t, e, "gckey", "sam"))
		if err != nil {
			t.Fatal(err)
		}
		own := alexFactor(t, e, sam)

		b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
		if strings.HasSuffix(p.Resp.Request.URL.Path, "/"+own.ID) {
			t.Fatalf("alex's sign-in challenges sam's factor: %s", p.Resp.Request.URL)
		}
		ar := requestOf(t, e, p)
		base, csrf := e.issuer+stepPath(t, p), csrfOf(t, p)
		q := b.Get(base + "/mfa/use/" + own.ID)
		noCode(t, q, "the attacker's own factor's page at the victim's sign-in")
		if strings.HasSuffix(q.Resp.Request.URL.Path, "/"+own.ID) {
			t.Errorf("the attacker's own factor is challenged at the victim's sign-in (%d)", q.Resp.StatusCode)
		}
		e.clock.Advance(30 * time.Second) // a step sam's app has not used
		q = b.Post(base+"/mfa/use/"+own.ID, url.Values{"csrf": {csrf}, "code": {e.totpCode(e.totp["gckey/sam"])}})
		noCode(t, q, "the attacker's own factor answered at the victim's sign-in")
		stillAtTheFactor(t, e, ar.ID, alex, "the attacker's own factor answered")
		q = b.Post(p.Resp.Request.URL.String(), url.Values{"csrf": {csrf}, "code": {e.wrongCode()}})
		noCode(t, q, "a wrong code at the victim's factor")
		stillAtTheFactor(t, e, ar.ID, alex, "a wrong code at the victim's factor")
		if got := alexFactor(t, e, sam); got.LastStep != own.LastStep {
			t.Errorf("sam's factor was used at alex's sign-in: its last step went from %d to %d", own.LastStep, got.LastStep)
		}
	})
}

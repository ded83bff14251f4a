package broker_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// moreTime posts page.js's "more time" to action: the status and the
// seconds left it answers.
func moreTime(b *browser, action, token string) (int, int64) {
	q := b.Post(action, url.Values{"csrf": {token}})
	var body struct {
		ExpiresIn int64 `json:"expires_in"`
	}
	_ = json.Unmarshal([]byte(q.Body), &body)
	return q.Resp.StatusCode, body.ExpiresIn
}

// TestAccountWindowTimeLimit: the account pages say in words how long
// the window stays open, like the sign-in; "more time" (what page.js
// posts from the warning) gives a whole window again from now, so the
// page stays usable past its first ten minutes; without the page's
// token it gives nothing, and once the window has closed it neither
// reopens it nor lets the pages in.
func TestAccountWindowTimeLimit(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	p := e.openSecurity(b, "gckey/alex")
	if !strings.Contains(p.Body, "Your account pages stay open for 10 minutes more.") || !strings.Contains(p.Body, `data-extend="/account/extend"`) {
		t.Fatalf("the security page does not say how long the window stays open: %.4000s", p.Body)
	}
	if q := b.Get(e.issuer + "/account"); !strings.Contains(q.Body, "Your account pages stay open for 10 minutes more.") {
		t.Errorf("the account page does not say how long the window stays open")
	}
	if q := b.Get(e.issuer + "/account/organizations"); !strings.Contains(q.Body, "Your account pages stay open for 10 minutes more.") {
		t.Errorf("the organizations page does not say how long the window stays open: %d %.600s", q.Resp.StatusCode, q.Body)
	}
	extend := e.issuer + "/account/extend"
	token := csrfOf(t, p)
	e.clock.Advance(9 * time.Minute)
	if st, in := moreTime(b, extend, token); st != http.StatusOK || in != 600 {
		t.Fatalf("more time after 9 minutes: %d, %ds; want 200, 600s", st, in)
	}
	if st, _ := moreTime(b, extend, "forged"); st != http.StatusForbidden {
		t.Errorf("more time with a forged token: %d, want 403", st)
	}
	e.clock.Advance(9 * time.Minute) // 18 minutes in: open, one minute left
	q := b.Get(e.issuer + "/account/security")
	if q.Resp.Request.URL.Path != "/account/security" || !strings.Contains(q.Body, "Your account pages stay open for 1 minute more.") {
		t.Fatalf("the extended window at 18 minutes: %s %.2000s", q.Resp.Request.URL, q.Body)
	}
	e.clock.Advance(2 * time.Minute) // closed
	if st, in := moreTime(b, extend, token); st != http.StatusGone || in != 0 {
		t.Errorf("more time once closed: %d, %ds; want 410, 0", st, in)
	}
	if q := b.Get(e.issuer + "/account/security"); !strings.Contains(q.Resp.Request.URL.Path, "/mfa/use/") {
		t.Errorf("after the window closed, the page did not ask for the factor: %s", q.Resp.Request.URL)
	}
}

// TestAttackExtendOpensNoWindow: "more time" is no way into the account
// pages. The holder of alex's password only (stopped at alex's factor,
// no session) and alex's own browser signed in at a service (a session,
// but no account window) both post it with the tokens they have: 410,
// and the account pages still ask for the factor.
func TestAttackExtendOpensNoWindow(t *testing.T) {
	e := newEnv(t)
	alex := e.browser()
	e.signIn(e.rp("rp1"), alex, "gckey", "alex")
	attacker, p, _ := e.attackerAtChallenge(e.rp("rp1"), "gckey", "alex")
	extend := e.issuer + "/account/extend"
	for who, b := range map[string]*browser{"password only": attacker, "signed in at a service": alex} {
		if st, in := moreTime(b, extend, csrfOf(t, p)); st != http.StatusGone || in != 0 {
			t.Errorf("%s: more time: %d, %ds; want 410, 0", who, st, in)
		}
		q := b.Get(e.issuer + "/account/security")
		if q.Resp.Request.URL.Path == "/account/security" || strings.Contains(q.Body, "Authenticator app") {
			t.Errorf("%s: the security page opened: %s", who, q.Resp.Request.URL)
		}
	}
}

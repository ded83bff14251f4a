package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// Review of the paths that landed with the SAML upstream, the same-origin
// re-post page, password providers other than the built-in one, and the
// client steps, from the side of the holder of a stolen password (see
// attack_test.go). Each test fails if its attack succeeds.

// requestOf is the auth request the sign-in page p belongs to.
func requestOf(t *testing.T, e *env, p page) store.AuthRequest {
	t.Helper()
	id := strings.Split(p.Resp.Request.URL.Path, "/")[2]
	ar, err := e.store.GetAuthRequest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ar
}

// stillAtTheFactor fails unless the request id still names account with
// no factor recorded and is not done.
func stillAtTheFactor(t *testing.T, e *env, id, account, what string) {
	t.Helper()
	ar, err := e.store.GetAuthRequest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ar.AccountID != account || ar.Done || len(ar.MFA.Verified) > 0 || len(ar.MFA.Enrolled) > 0 || ar.NewIdentity != nil {
		t.Fatalf("%s: the request changed under the challenge: account %q (want %q), done %v, mfa %+v, new identity %v",
			what, ar.AccountID, account, ar.Done, ar.MFA, ar.NewIdentity)
	}
}

// TestAttackRepostCarriesACallbackIntoTheVictimsBrowser: login CSRF
// through the re-post page. The attacker starts a sign-in of their own,
// takes their upstream's answer (which would sign in the attacker's
// account) and makes the victim's browser post it across sites. The
// re-post page turns the cross-site post into a same-origin one that
// carries the victim's cookie; the browser binding must still refuse it,
// so the victim is never signed in as the attacker (nor the attacker's
// request continued from the victim's browser).
func TestAttackRepostCarriesACallbackIntoTheVictimsBrowser(t *testing.T) {
	e := newEnv(t)
	e.withUpstreams(broker.Upstream{ID: "post", Name: named("post"), Provider: &fakePost{kept: "k-"}})
	r := e.rp("rp1")
	attacker := e.browser()
	p := attacker.choose(attacker.Get(r.start().url), "post")
	to, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || to.Host != "idp.example" {
		t.Fatalf("not sent to the provider: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	answer := url.Values{"relay": {to.Query().Get("relay")}, "answer": {"yes"}}

	// The victim's browser has a cookie of its own (a sign-in of theirs).
	victim := e.browser()
	victim.Get(r.start().url)
	// The attacker's page posts the answer across sites: no cookie.
	resp, err := http.PostForm(e.issuer+"/callback/post", answer)
	if err != nil {
		t.Fatal(err)
	}
	cross := readPage(t, resp)
	again, fields, ok := cross.Action("/callback/post")
	if !ok {
		t.Fatalf("no re-post page: %d %.400s", cross.Resp.StatusCode, cross.Body)
	}
	if u, err := url.Parse(again); err != nil || (u.Host != "" && "http://"+u.Host != e.issuer && "https://"+u.Host != e.issuer) {
		t.Fatalf("the re-post page posts elsewhere: %q", again)
	}
	// The victim presses Continue: same origin, the victim's cookie.
	if !strings.HasPrefix(again, "http") {
		again = e.issuer + again
	}
	p = victim.Post(again, fields)
	if p.Resp.StatusCode != http.StatusForbidden || strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("the attacker's answer went on in the victim's browser: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
	noCode(t, p, "re-posted answer")
	// The attacker's request learnt nothing from it.
	ar, err := e.store.GetAuthRequest(t.Context(), strings.SplitN(answer.Get("relay"), ".", 2)[0])
	if err != nil || ar.NewIdentity != nil || ar.AccountID != "" {
		t.Fatalf("the attacker's request moved on: %v %+v", err, ar)
	}
	// A re-post page's own marker, forged on the first cross-site post,
	// does not skip the binding either.
	fields.Set("passerelle_repost", "1")
	resp, err = http.PostForm(e.issuer+"/callback/post", fields)
	if err != nil {
		t.Fatal(err)
	}
	if q := readPage(t, resp); q.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a forged re-post without the cookie: %d, want 403", q.Resp.StatusCode)
	}
}

// TestAttackPasswordProviderAfterTheAccountIsNamed: at the victim's
// challenge, the attacker signs in with a password provider whose account
// is their own (no factor), hoping to swap the account under the
// challenge or to start over as someone else in the same request.
func TestAttackPasswordProviderAfterTheAccountIsNamed(t *testing.T) {
	e := newEnv(t)
	e.withUpstreams(broker.Upstream{ID: "dir", Name: named("dir"), Provider: &directory{}})
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's app
	b, p, _ := e.attackerAtChallenge(e.rp("rp1"), "gckey", "alex")
	ar := requestOf(t, e, p)
	base := e.issuer + "/login/" + ar.ID
	csrf := csrfOf(t, p)

	page := b.Get(base + "/password/dir")
	if strings.HasSuffix(page.Resp.Request.URL.Path, "/password/dir") {
		t.Errorf("the password page was shown after the account was named")
	}
	p = b.Post(base+"/password/dir", url.Values{"csrf": {csrf}, "username": {"kim"}, "password": {"pw"}})
	noCode(t, p, "password provider after the account")
	if strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("a second credential started a new account in the victim's request")
	}
	// Through the chooser too.
	p = b.Post(base+"/choose/dir", url.Values{"csrf": {csrf}})
	noCode(t, p, "choosing a password provider after the account")
	stillAtTheFactor(t, e, ar.ID, accountOf(t, e, "gckey", "alex"), "password provider")
	// The built-in service's page likewise.
	p = b.Post(base+"/local", url.Values{"csrf": {csrf}, "username": {"alex"}, "password": {"pw"}})
	noCode(t, p, "built-in service after the account")
	stillAtTheFactor(t, e, ar.ID, accountOf(t, e, "gckey", "alex"), "built-in service")
}

// TestAttackCallbackKeptFromBeforeTheAccount: the attacker asks for a
// redirect-based provider's leg first (a SAML IdP's, say) and keeps its
// state; then signs in with the victim's password, and at the victim's
// challenge posts the kept leg's answer for their own identity. The
// answer is for a credential that may no longer be used in this request.
// Nor is one provider's state good at another's callback.
func TestAttackCallbackKeptFromBeforeTheAccount(t *testing.T) {
	e := newEnv(t)
	e.withUpstreams(broker.Upstream{ID: "post", Name: named("post"), Provider: &fakePost{kept: "k-"}})
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // the victim's app
	b := e.browser()
	chooser := b.Get(r.start().url)
	p := b.choose(chooser, "post")
	to, err := url.Parse(p.Resp.Header.Get("Location"))
	if err != nil || to.Host != "idp.example" {
		t.Fatalf("not sent to the provider: %d %q", p.Resp.StatusCode, p.Resp.Header.Get("Location"))
	}
	relay := to.Query().Get("relay")
	p = b.upstreamPost(b.choose(b.Get(chooser.Resp.Request.URL.String()), "gckey"), "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("expected the victim's factor, landed on %s", p.Resp.Request.URL)
	}
	ar := requestOf(t, e, p)
	victim := accountOf(t, e, "gckey", "alex")

	// Same browser: the cookie goes with it, no re-post.
	answer := url.Values{"relay": {relay}, "answer": {"yes"}}
	q := b.Post(e.issuer+"/callback/post", answer)
	noCode(t, q, "kept leg after the account")
	if strings.HasSuffix(q.Resp.Request.URL.Path, "/first") || q.Resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the kept leg's answer was taken after the account was named: %d at %s", q.Resp.StatusCode, q.Resp.Request.URL)
	}
	stillAtTheFactor(t, e, ar.ID, victim, "kept leg")
	// Through the re-post marker.
	answer.Set("passerelle_repost", "1")
	q = b.Post(e.issuer+"/callback/post", answer)
	noCode(t, q, "kept leg, re-posted")
	stillAtTheFactor(t, e, ar.ID, victim, "kept leg, re-posted")
	// The post provider's state at another provider's callback.
	q = b.Get(e.issuer + "/callback/bank-a?state=" + url.QueryEscape(relay) + "&code=x")
	noCode(t, q, "one provider's state at another's callback")
	stillAtTheFactor(t, e, ar.ID, victim, "state at another callback")
}

// TestAttackTermsBeforeTheGate: at the challenge of a client with a
// terms step, the attacker opens and accepts the terms before answering
// the factor; nothing may be recorded or completed, and after accepting
// the sign-in still asks for the factor.
func TestAttackTermsBeforeTheGate(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients = termsFor(t, "2026-01", false) })
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex") // the victim's app
	b, p, _ := e.attackerAtChallenge(e.rp("rp2"), "gckey", "alex")
	ar := requestOf(t, e, p)
	base := e.issuer + "/login/" + ar.ID
	csrf := csrfOf(t, p)

	if q := b.Get(base + "/step/terms"); strings.HasSuffix(q.Resp.Request.URL.Path, "/step/terms") {
		t.Errorf("the terms page was shown before the factor: %d", q.Resp.StatusCode)
	}
	for _, d := range []string{"accept", "decline"} {
		q := b.Post(base+"/step/terms", url.Values{"csrf": {csrf}, "decision": {d}})
		noCode(t, q, "terms "+d+" before the factor")
		if loc := q.Resp.Header.Get("Location"); strings.Contains(loc, "error=") {
			t.Errorf("terms %s before the factor answered the client: %s", d, loc)
		}
	}
	got, err := e.store.GetAuthRequest(t.Context(), ar.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Steps) != 0 || got.Done {
		t.Fatalf("a client step was recorded before the factor: %s done=%v", got.Steps, got.Done)
	}
	if q := b.Get(base); !strings.Contains(q.Resp.Request.URL.Path, "/mfa") {
		t.Fatalf("after the terms the sign-in no longer asks for the factor: %s", q.Resp.Request.URL)
	}
}

// TestAttackFactorStateIsTheRequests: the per-kind state a challenge
// keeps (the email code sent, a WebAuthn challenge) belongs to one auth
// request. The attacker opens two sign-ins to the victim's account and
// answers in one with what the other was sent; and starting over in the
// same request with another account clears it (authenticated).
func TestAttackFactorStateIsTheRequests(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // the victim's app
	_, p1, _ := e.attackerAtChallenge(r, "gckey", "alex")
	b2, p2, _ := e.attackerAtChallenge(r, "gckey", "alex")
	ar1, ar2 := requestOf(t, e, p1), requestOf(t, e, p2)
	if ar1.ID == ar2.ID {
		t.Fatal("one auth request for two sign-ins")
	}
	// The second tab's page, posted into the first request with its own
	// token: the CSRF token is bound to the request and the browser.
	v := url.Values{"csrf": {csrfOf(t, p2)}, "code": {"000000"}}
	q := b2.Post(p1.Resp.Request.URL.String(), v)
	if q.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("an answer into another browser's request: %d, want 403", q.Resp.StatusCode)
	}
	stillAtTheFactor(t, e, ar1.ID, accountOf(t, e, "gckey", "alex"), "answer into another request")
}

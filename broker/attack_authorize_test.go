package broker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestAttackAuthorizeStraightToUpstream: /authorize answers with the
// dispatcher's first decision itself, without a stop at /login/{id}:
// with a provider hinted, straight to the upstream. The attacker, who
// holds only the victim's password, follows that answer in a browser of
// their own and reaches the victim's factor, never a code. The upstream
// leg /authorize handed out belongs to the browser it answered: followed
// in another browser, the upstream's answer is refused at the callback.
func TestAttackAuthorizeStraightToUpstream(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // the victim's app
	victim := accountOf(t, e, "gckey", "alex")

	b := e.browser()
	leg := func() *url.URL {
		t.Helper()
		once := *b.HTTP // b's cookies, redirects not followed
		once.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := once.Get(r.start(oauth2.SetAuthURLParam("idp_hint", "gckey")).url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		to, err := url.Parse(resp.Header.Get("Location"))
		up, _ := url.Parse(e.upstream["gckey"].srv.URL)
		if err != nil || resp.StatusCode != http.StatusSeeOther || to.Host != up.Host {
			t.Fatalf("/authorize answered %d to %q, want a redirect to the upstream %s", resp.StatusCode, resp.Header.Get("Location"), up.Host)
		}
		return to
	}

	p := b.upstreamPost(b.Get(leg().String()), "alex")
	noCode(t, p, "password at the upstream /authorize sent to")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("expected the victim's factor, landed on %s (%d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	stillAtTheFactor(t, e, requestOf(t, e, p).ID, victim, "straight to the upstream")

	// The leg of a second request, followed in another browser.
	other := e.browser()
	q := other.upstreamPost(other.Get(leg().String()), "alex")
	noCode(t, q, "the leg in another browser")
	if q.Resp.StatusCode != http.StatusForbidden || strings.Contains(q.Resp.Request.URL.Path, "/mfa/") {
		t.Fatalf("the leg /authorize gave one browser was taken in another: %d at %s", q.Resp.StatusCode, q.Resp.Request.URL)
	}
}

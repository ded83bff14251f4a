package broker_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// toEmailSetUpCode walks a first sign-in to the email set-up's code page
// (a code sent to addr).
func (b *browser) toEmailSetUpCode(p page, addr string) page {
	b.T.Helper()
	for range 6 {
		next, ok := b.emailSetUpStep(p, addr)
		if !ok {
			break
		}
		p = next
	}
	if _, _, ok := p.Action("/mfa/enrol/email/finish"); !ok || !strings.Contains(p.Body, `autocomplete="one-time-code"`) {
		b.T.Fatalf("not at the email set-up's code page: %s %.2000s", p.Resp.Request.URL, p.Body)
	}
	return p
}

// TestEmailSetUpWrongCodesThenRight is the dead end of issue 13: after
// several wrong codes at email set-up, the right, unexpired code is
// accepted once the wait is over, and the page offers a new code, which
// works too.
func TestEmailSetUpWrongCodesThenRight(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	const addr = "alex@example.org"
	p := b.toEmailSetUpCode(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), addr)
	code := e.lastCode(addr)
	n, err := strconv.Atoi(code)
	if err != nil {
		t.Fatal(err)
	}
	wrong := fmt.Sprintf("%06d", (n+1)%1_000_000)
	waited := false
	for i := range 8 {
		to, v, _ := p.Action("/mfa/enrol/email/finish")
		v.Set("code", wrong)
		p = b.Post(to, v)
		if p.Resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong code %d: %d %.2000s", i+1, p.Resp.StatusCode, p.Body)
		}
		if _, _, ok := p.Action("/mfa/enrol/email/resend"); !ok {
			t.Fatalf("wrong code %d: no way to send a new code: %.3000s", i+1, p.Body)
		}
		if strings.Contains(p.Body, "Too many attempts. Wait") {
			waited = true
			e.clock.Advance(time.Minute)
		}
	}
	if !waited {
		t.Fatal("eight wrong codes never asked the person to wait")
	}
	e.clock.Advance(time.Minute)
	to, v, _ := p.Action("/mfa/enrol/email/finish")
	v.Set("code", code)
	p = b.Post(to, v)
	if _, _, ok := p.Action("/mfa/saved"); !ok {
		t.Fatalf("the right code after wrong ones and the wait: %d %s %.3000s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
}

// TestEmailSetUpSendNewCode: the set-up's code page sends a new code,
// which replaces the first one.
func TestEmailSetUpSendNewCode(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	const addr = "alex@example.org"
	p := b.toEmailSetUpCode(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), addr)
	first := e.lastCode(addr)
	sent := len(e.outbox.Messages())
	to, v, ok := p.Action("/mfa/enrol/email/resend")
	if !ok {
		t.Fatalf("no send-a-new-code form: %.3000s", p.Body)
	}
	p = b.Post(to, v)
	if len(e.outbox.Messages()) != sent+1 {
		t.Fatalf("%d emails after asking for a new code, want %d", len(e.outbox.Messages()), sent+1)
	}
	second := e.lastCode(addr)
	if _, _, ok := p.Action("/mfa/enrol/email/finish"); !ok {
		t.Fatalf("not back at the code page: %s", p.Resp.Request.URL)
	}
	if first != second {
		to, v, _ := p.Action("/mfa/enrol/email/finish")
		v.Set("code", first)
		if q := b.Post(to, v); q.Resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("the replaced code still works: %d", q.Resp.StatusCode)
		}
	}
	to, v, _ = p.Action("/mfa/enrol/email/finish")
	v.Set("code", second)
	p = b.Post(to, v)
	if _, _, ok := p.Action("/mfa/saved"); !ok {
		t.Fatalf("the new code: %d %.3000s", p.Resp.StatusCode, p.Body)
	}
}

// TestFinishedSignInRevisited: the back button (or a reload) on a
// finished sign-in, once the service used its code, says the person is
// signed in and links back to the service, not "took too long"; an
// address whose sign-in is gone says so and leads on.
func TestFinishedSignInRevisited(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), "alex@example.org")
	ar := requestOf(t, e, p)
	if _, err := r.exchange(r.callback(p, a).Get("code"), a); err != nil {
		t.Fatal(err)
	}
	q := b.Get(e.issuer + "/login/" + ar.ID)
	origin := ar.RedirectURI[:strings.Index(ar.RedirectURI[len("https://"):], "/")+len("https://")] + "/"
	if q.Resp.StatusCode != http.StatusOK || !strings.Contains(q.Body, "You are already signed in") ||
		!strings.Contains(q.Body, `href="`+origin+`"`) || strings.Contains(q.Body, "took too long") {
		t.Errorf("a finished sign-in revisited: %d %.3000s", q.Resp.StatusCode, q.Body)
	}
	q = b.Get(e.issuer + "/login/no-such-sign-in")
	if q.Resp.StatusCode != http.StatusNotFound || !strings.Contains(q.Body, "This sign-in is no longer open") || !strings.Contains(q.Body, `href="/account"`) {
		t.Errorf("a sign-in that is gone: %d %.3000s", q.Resp.StatusCode, q.Body)
	}
}

// TestRecoveryCodesUntilSaved: the new recovery codes cannot be skipped.
// A reload, the dispatcher's address (the back button) and a form sent
// without the box ticked all show the same codes again; they download
// as a file; once the box is ticked the sign-in goes on and the codes
// are no longer shown.
func TestRecoveryCodesUntilSaved(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	const addr = "alex@example.org"
	p := b.toEmailSetUpCode(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), addr)
	to, v, _ := p.Action("/mfa/enrol/email/finish")
	v.Set("code", e.lastCode(addr))
	p = b.Post(to, v)
	codes := testbrowser.RecoveryCodes(p)
	if len(codes) == 0 || !strings.HasSuffix(p.Resp.Request.URL.Path, "/mfa/codes") {
		t.Fatalf("no recovery codes page after set-up: %s %.2000s", p.Resp.Request.URL, p.Body)
	}
	codesURL := p.Resp.Request.URL.String()
	id := strings.Split(p.Resp.Request.URL.Path, "/")[2]
	sameCodes(t, "reload", b.Get(codesURL), http.StatusOK, codes)
	sameCodes(t, "back to the dispatcher", b.Get(e.issuer+"/login/"+id), http.StatusOK, codes)
	codesFileHolds(t, b.Get(codesURL+".txt"), codes)
	to, v, _ = p.Action("/mfa/saved")
	v.Del("saved")
	q := b.Post(to, v)
	sameCodes(t, "sent without the box ticked", q, http.StatusBadRequest, codes)
	if !strings.Contains(q.Body, `class="error-summary"`) || !strings.Contains(q.Body, `href="#saved"`) {
		t.Errorf("no error summary pointing at the box: %.3000s", q.Body)
	}
	v.Set("saved", "yes")
	if got := r.callback(b.Post(to, v), a).Get("code"); got == "" {
		t.Fatal("no code after the codes were saved")
	}
	if q := b.Get(codesURL); strings.Contains(q.Body, codes[0]) {
		t.Errorf("the codes are still shown after they were saved: %s", q.Resp.Request.URL)
	}
	if q := b.Get(codesURL + ".txt"); strings.Contains(q.Body, codes[0]) {
		t.Errorf("the codes still download after they were saved")
	}
}

// TestAttackCodesPagesWithoutTheFactor: the recovery codes routes, from
// the side of the holder of alex's password only (at the challenge of
// alex's factor): the codes page and its file show nothing and the
// acknowledgement moves nothing: no code, no factor recorded, and alex's
// own recovery codes are not renewed.
func TestAttackCodesPagesWithoutTheFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b0 := e.browser()
	a := r.start()
	if p := b0.emailMFA(b0.upstreamPost(b0.choose(b0.Get(a.url), "gckey"), "alex"), "alex@example.org"); r.callback(p, a).Get("code") == "" {
		t.Fatalf("alex's first sign-in did not finish: %s", p.Resp.Request.URL)
	}
	before := recoveryCodesOf(t, e, accountOf(t, e, "gckey", "alex"))
	b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
	ar := requestOf(t, e, p)
	base := e.issuer + stepPath(t, p)
	for _, path := range []string{"/mfa/codes", "/mfa/codes.txt"} {
		q := b.Get(base + path)
		noCode(t, q, path)
		if len(testbrowser.RecoveryCodes(q)) > 0 {
			t.Errorf("%s showed codes to the attacker: %.2000s", path, q.Body)
		}
	}
	noCode(t, b.Post(base+"/mfa/saved", url.Values{"csrf": {csrfOf(t, p)}, "saved": {"yes"}}), "acknowledge")
	stillAtTheFactor(t, e, ar.ID, accountOf(t, e, "gckey", "alex"), "codes routes")
	if after := recoveryCodesOf(t, e, accountOf(t, e, "gckey", "alex")); !reflect.DeepEqual(before, after) {
		t.Error("the attacker renewed alex's recovery codes")
	}
}

package broker_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/store"
)

// Online guessing, as an attacker would try it: many answers at once, each
// from its own sign-in of the same account. The clock stands still unless
// a test moves it, so what a burst may do is exact on any machine.

// challenge is one sign-in of alex through gckey, stopped at the
// authenticator-app challenge: where to post a code, and the form.
type challenge struct {
	b    *browser
	to   string
	form url.Values
}

// challenges signs alex in once (setting up the app), then opens n more
// sign-ins, each in its own browser, up to the challenge. It returns a
// function that reads alex's account.
func (e *env) challenges(n int) (func() store.Account, []challenge) {
	e.t.Helper()
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	id := ""
	for _, ev := range e.audit() { // alex's sign-in is the only one
		if ev.AccountID != "" {
			id = ev.AccountID
		}
	}
	if id == "" {
		e.t.Fatal("no audit event names alex's account")
	}
	alex := func() store.Account {
		e.t.Helper()
		a, err := e.store.GetAccount(context.Background(), id)
		if err != nil {
			e.t.Fatalf("alex's account %q: %v", id, err)
		}
		return a
	}
	out := make([]challenge, n)
	for i := range out {
		b := e.browser()
		p := b.upstreamPost(b.choose(b.Get(r.start().url), "gckey"), "alex")
		to, v, ok := p.UseForm()
		if !ok || !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
			e.t.Fatalf("sign-in %d did not reach the challenge: %d %s", i, p.Resp.StatusCode, p.Resp.Request.URL)
		}
		out[i] = challenge{b: b, to: to, form: v}
	}
	return alex, out
}

// wrongCode is a code alex's app at gckey does not show in any accepted
// time step.
func (e *env) wrongCode() string { return e.wrongCodeOf("gckey/alex") }

// wrongCodeOf is a code the app of key does not show in any accepted
// time step.
func (e *env) wrongCodeOf(key string) string {
	secret := e.totp[key]
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		e.clock.Advance(d)
		valid[e.totpCode(secret)] = true
		e.clock.Advance(-d)
	}
	for _, c := range []string{"000000", "111111", "222222"} {
		if !valid[c] {
			return c
		}
	}
	panic("unreachable")
}

// answer is what one posted code got back.
type answer struct {
	status int
	body   string
	err    error
}

// postAll posts every form at once, field set to value(i) in the i-th.
func postAll(cs []challenge, field string, value func(i int) string) []answer {
	out := make([]answer, len(cs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			v := url.Values{}
			for k, vs := range c.form {
				v[k] = vs
			}
			v.Set(field, value(i))
			<-start
			resp, err := c.b.HTTP.PostForm(c.to, v)
			if err != nil {
				out[i].err = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			out[i] = answer{status: resp.StatusCode, body: string(body), err: err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// tally sorts answers into verified-and-wrong, held back by the delay,
// refused as locked, and anything else (a finished sign-in included).
type tally struct{ wrong, wait, locked, other int }

func tallyOf(t *testing.T, as []answer) tally {
	t.Helper()
	var n tally
	for _, a := range as {
		switch {
		case a.err != nil:
			t.Errorf("post: %v", a.err)
		case a.status == http.StatusBadRequest && strings.Contains(a.body, "The code is not valid."):
			n.wrong++
		case a.status == http.StatusBadRequest && strings.Contains(a.body, "Too many attempts. Wait"):
			n.wait++
		case a.status == http.StatusForbidden && strings.Contains(a.body, "Your account is locked"):
			n.locked++
		default:
			n.other++
		}
	}
	return n
}

// audit is every audit event so far.
func (e *env) audit() []store.AuditEvent {
	e.t.Helper()
	evs, err := e.store.ListAudit(context.Background(), time.Time{}, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// auditCount counts the audit events of a kind and outcome.
func (e *env) auditCount(kind, outcome string) int {
	n := 0
	for _, ev := range e.audit() {
		if ev.Kind == kind && ev.Outcome == outcome {
			n++
		}
	}
	return n
}

// TestAttackParallelCodesStopAtDelay: 60 wrong authenticator codes sent at
// once, default settings (delay from the 5th failure, lock at 100), on
// both stores. Only 5 reach verification, as one at a time: every other
// answer is the wait message, nothing verified.
func TestAttackParallelCodesStopAtDelay(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		alex, cs := e.challenges(60)
		wrong := e.wrongCode()
		n := tallyOf(t, postAll(cs, "code", func(int) string { return wrong }))
		if n.wrong != 5 || n.wait != 55 || n.other != 0 || n.locked != 0 {
			t.Errorf("60 wrong codes at once: %+v, want 5 checked and 55 held back", n)
		}
		if a := alex(); a.Failures != 5 || a.Locked {
			t.Errorf("failures %d locked %v, want 5, unlocked", a.Failures, a.Locked)
		}
		if got := e.auditCount("mfa", "failure"); got != 5 {
			t.Errorf("%d wrong codes verified (audit), want 5", got)
		}
	})
}

// TestAttackParallelCodesStopAtLimit: the delay out of the way (it starts
// at the limit), 60 wrong codes at once, on both stores: exactly Limit
// are verified, the account locks, and a right code sent afterwards is
// refused, in a sign-in already at the challenge as in a new one.
func TestAttackParallelCodesStopAtLimit(t *testing.T) {
	const limit = 10
	limited := func(c *broker.Config) { c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = limit, limit }
	onEachStore(t, nil, []func(*broker.Config){limited}, func(t *testing.T, e *env) {
		alex, cs := e.challenges(61)
		wrong := e.wrongCode()
		n := tallyOf(t, postAll(cs[:60], "code", func(int) string { return wrong }))
		// The limit-th failure answers with the locked page; the others
		// checked say the code is wrong; the rest are refused unchecked.
		if n.wrong != limit-1 || n.locked != 60-(limit-1) || n.other != 0 || n.wait != 0 {
			t.Errorf("60 wrong codes at once, limit %d: %+v", limit, n)
		}
		if got := e.auditCount("mfa", "failure"); got != limit {
			t.Errorf("%d wrong codes verified (audit), want %d", got, limit)
		}
		if a := alex(); a.Failures != limit || !a.Locked {
			t.Fatalf("failures %d locked %v, want %d, locked", a.Failures, a.Locked, limit)
		}
		e.clock.Advance(time.Minute) // a time step the set-up did not use
		right := e.totpCode(e.totp["gckey/alex"])
		last := cs[60]
		last.form.Set("code", right)
		if p := last.b.Post(last.to, last.form); p.Resp.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, "Your account is locked") {
			t.Errorf("right code after the lock: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		b := e.browser()
		if p := b.upstreamPost(b.choose(b.Get(e.rp("rp1").start().url), "gckey"), "alex"); p.Resp.StatusCode != http.StatusForbidden {
			t.Errorf("new sign-in of a locked account: %d", p.Resp.StatusCode)
		}
		if a := alex(); a.Failures != limit || !a.Locked {
			t.Errorf("after the right code: failures %d locked %v", a.Failures, a.Locked)
		}
	})
}

// TestAttackRightCodeRacingWrongOnes: a right code sent at once with
// limit-1 wrong ones, on both stores. Each answer is checked in the store
// update that counts it, one after the other, so the count cannot reach
// the limit: the wrong ones before the right one are cleared by it, those
// after count from zero. The right one always goes on, and nothing locks.
func TestAttackRightCodeRacingWrongOnes(t *testing.T) {
	const limit = 10
	limited := func(c *broker.Config) { c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = limit, limit }
	onEachStore(t, nil, []func(*broker.Config){limited}, func(t *testing.T, e *env) {
		alex, cs := e.challenges(limit)
		e.clock.Advance(time.Minute) // a time step the set-up did not use
		wrong, right := e.wrongCode(), e.totpCode(e.totp["gckey/alex"])
		const mine = limit / 2
		as := postAll(cs, "code", func(i int) string {
			if i == mine {
				return right
			}
			return wrong
		})
		if got := as[mine]; got.status != http.StatusSeeOther || got.err != nil {
			t.Errorf("right code: %d %v %.300s", got.status, got.err, got.body)
		}
		if n := tallyOf(t, append(as[:mine:mine], as[mine+1:]...)); n != (tally{wrong: limit - 1}) {
			t.Errorf("the wrong codes: %+v, want %d checked", n, limit-1)
		}
		if a := alex(); a.Locked || a.Failures >= limit {
			t.Errorf("account locked %v, failures %d", a.Locked, a.Failures)
		}
	})
}

// summary is a page's error summary.
var summary = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)

// TestAttackLocalLockedAnswersAsUnknown: on the built-in service's sign-in
// page, a locked account and one whose delay runs get exactly the answer
// of an unknown username (status and page, the username aside), the
// right password included, and nothing is checked or counted.
func TestAttackLocalLockedAnswersAsUnknown(t *testing.T) {
	const known, unknown = "kwame.known", "zara.unknown"
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	r.callback(b.totpMFA(b.register(b.localPage(a.url), known, "kwame@example.org"), "local/"+known), a)
	acct := e.localAccount(known)

	b = e.browser()
	to, v, _ := b.localPage(r.start().url).Action("/local")
	post := func(username, password string) (int, string) {
		v.Set("username", username)
		v.Set("password", password)
		p := b.Post(to, v)
		return p.Resp.StatusCode, strings.ReplaceAll(p.Body, username, "USERNAME")
	}
	wantStatus, want := post(unknown, "some password 123")
	if wantStatus != http.StatusBadRequest || !strings.Contains(summary.FindString(want), "The username or password is not correct.") {
		t.Fatalf("unknown username: %d %s", wantStatus, summary.FindString(want))
	}
	for _, state := range []struct {
		name string
		set  func(a store.Account) store.Account
	}{
		{"locked", func(a store.Account) store.Account { a.Locked, a.Failures = true, 100; return a }},
		{"delayed", func(a store.Account) store.Account {
			a.Locked, a.Failures, a.LastFailureAt = false, 7, e.clock.Now()
			return a
		}},
	} {
		if err := e.store.UpdateAccount(context.Background(), acct.ID, func(a store.Account) (store.Account, error) { return state.set(a), nil }); err != nil {
			t.Fatal(err)
		}
		before := e.localAccount(known)
		for _, pw := range []string{"some password 123", localPassword} {
			status, got := post(known, pw)
			if status != wantStatus || got != want {
				t.Errorf("%s account, password right %v: %d, page differs from an unknown username's:\n%s", state.name, pw == localPassword, status, summary.FindString(got))
			}
		}
		if after := e.localAccount(known); after.Failures != before.Failures || !after.LastFailureAt.Equal(before.LastFailureAt) {
			t.Errorf("%s account: attempts held back were counted (%d → %d)", state.name, before.Failures, after.Failures)
		}
	}
}

// TestAttackParallelPasswordsStopAtDelay: 12 wrong passwords for one
// known username at once: 5 are checked, and every answer is the one an
// unknown username gets.
func TestAttackParallelPasswordsStopAtDelay(t *testing.T) {
	const known = "kwame.known"
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	r.callback(b.totpMFA(b.register(b.localPage(a.url), known, "kwame@example.org"), "local/"+known), a)

	cs := make([]challenge, 12)
	for i := range cs {
		b := e.browser()
		to, v, _ := b.localPage(r.start().url).Action("/local")
		v.Set("username", known)
		cs[i] = challenge{b: b, to: to, form: v}
	}
	as := postAll(cs, "password", func(i int) string { return "wrong password number " + strconv.Itoa(i) })
	for i, ans := range as {
		if ans.err != nil || ans.status != http.StatusBadRequest || !strings.Contains(summary.FindString(ans.body), "The username or password is not correct.") {
			t.Errorf("answer %d: %d %v %s", i, ans.status, ans.err, summary.FindString(ans.body))
		}
	}
	if got := e.auditCount("password", "failure"); got != 5 {
		t.Errorf("%d wrong passwords checked (audit), want 5", got)
	}
	if acct := e.localAccount(known); acct.Failures != 5 {
		t.Errorf("failures %d, want 5", acct.Failures)
	}
}

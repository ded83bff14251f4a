package broker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/testbrowser"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// noticeSubjects are the English subjects of the notices, by kind.
var noticeSubjects = map[string]string{
	notify.NoticeAccountCreated:      "Your account and User Reference Number",
	notify.NoticeFactorAdded:         "A second factor was added to your account",
	notify.NoticeFactorRemoved:       "A second factor was removed from your account",
	notify.NoticeRecoveryRegenerated: "New recovery codes were created for your account",
	notify.NoticeRecoveryUsed:        "A recovery code was used on your account",
	notify.NoticeCredentialLinked:    "A sign-in method was linked to your account",
	notify.NoticeCredentialUnlinked:  "A sign-in method was unlinked from your account",
	notify.NoticeEmailChanged:        "The email address of your account changed",
	notify.NoticeAccountLocked:       "Your account is locked",
	notify.NoticeRecordLinked:        "A former account or file was linked to your account",
	notify.NoticeRecordUnlinked:      "A former account or file was unlinked from your account",
}

// noticeLog reads the notices the relay received since a mark.
type noticeLog struct {
	e    *env
	seen int
}

// since returns "address: subject" of every notice received since the
// last call, oldest first, and checks that none carries a secret.
func (l *noticeLog) since(secrets ...string) []string {
	l.e.t.Helper()
	msgs := l.e.outbox.Messages() // newest first
	var out []string
	for i := len(msgs) - 1 - l.seen; i >= 0; i-- {
		m := msgs[i]
		for kind, subject := range noticeSubjects {
			if !strings.HasPrefix(m.Subject, subject+" / ") {
				continue
			}
			out = append(out, m.To+": "+kind)
			if !strings.Contains(m.Text, "If this was not you") && kind != notify.NoticeAccountCreated {
				l.e.t.Errorf("%s notice says not what to do: %s", kind, m.Text)
			}
			if !strings.Contains(m.Text, testContact["fr"]) {
				l.e.t.Errorf("%s notice has no French contact: %s", kind, m.Text)
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(m.Text+m.HTML+m.Subject, s) {
					l.e.t.Errorf("%s notice holds a secret: %s", kind, m.Text)
				}
			}
		}
	}
	l.seen = len(msgs)
	return out
}

func expectNotices(t *testing.T, step string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("%s: notices %q, want %q", step, got, want)
	}
}

// TestSecurityNoticesReachTheOwner: a person's account life over HTTP
// with real SMTP: each change a notice is due for sends exactly one, in
// both languages, to the account's verified address, with what to do if
// it was not them and whom to contact, and never a code, key or
// recovery code. The email change's notice goes to the address before
// the change; later ones to the new one.
func TestSecurityNoticesReachTheOwner(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Accounts.Contact = testContact })
	log := &noticeLog{e: e}
	const old, fresh = "alex@example.org", "alex.new@example.org"
	r := e.rp("rp1")
	b := e.browser()
	e.signIn(r, b, "bank-a", "alex")
	expectNotices(t, "first sign-in", log.since(e.totp["bank-a/alex"]),
		old+": "+notify.NoticeAccountCreated, old+": "+notify.NoticeFactorAdded, old+": "+notify.NoticeRecoveryRegenerated)

	// New recovery codes on the security page.
	p := e.openSecurity(b, "bank-a/alex")
	to, v, _ := p.Action("/account/security/recovery")
	codes := testbrowser.RecoveryCodes(b.Post(to, v))
	expectNotices(t, "regenerate", log.since(codes...), old+": "+notify.NoticeRecoveryRegenerated)

	// A recovery code used at sign-in.
	b2 := e.browser()
	p = b2.upstreamPost(b2.choose(b2.choose(b2.Get(r.start().url), "partners"), "bank-a"), "alex")
	p = b2.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
	to, v, _ = p.Action("/mfa/recovery")
	v.Set("code", codes[0])
	b2.Post(to, v)
	expectNotices(t, "recovery used", log.since(codes...), old+": "+notify.NoticeRecoveryUsed)

	// A new credential linked at its first sign-in, then unlinked.
	b3 := e.browser()
	a3 := r.start()
	p = b3.upstreamLoginRaw(b3.choose(b3.choose(b3.Get(a3.url), "partners"), "bank-b"), "alex")
	to, v, _ = p.Action("/first/link")
	p = b3.upstreamLogin(b3.choose(b3.choose(b3.Post(to, v), "partners"), "bank-a"), "alex")
	if _, err := r.exchange(r.callback(p, a3).Get("code"), a3); err != nil { // the session exists once redeemed
		t.Fatalf("linking did not complete: %v", err)
	}
	expectNotices(t, "link", log.since(), old+": "+notify.NoticeCredentialLinked)
	p = e.openAccount(b3, "bank-a/alex")
	to, v, _ = p.Action("/account/unlink/bank-b")
	p = b3.Post(to, v) // the confirmation page, then "Yes, unlink it"
	to, v, _ = p.Action("/account/unlink/bank-b")
	b3.Post(to, v)
	expectNotices(t, "unlink", log.since(), old+": "+notify.NoticeCredentialUnlinked)

	// The email changes: the old address hears of it, not the new one.
	p = e.openAccount(b3, "bank-a/alex")
	to, v, _ = p.Action("/account/email")
	v.Set("email", fresh)
	p = b3.Post(to, v)
	code := e.lastCode(fresh)
	cto, cv, _ := p.Action("/account/email/confirm")
	cv.Set("code", code)
	b3.Post(cto, cv)
	expectNotices(t, "email change", log.since(code), old+": "+notify.NoticeEmailChanged)

	// An administrator locks the account: the current address hears.
	acct := e.onlyAccount()
	svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{}, nil, e.clock.Now, admin.WithNotices(e.broker.Notices()))
	if err := svc.Lock(context.Background(), acct.URN); err != nil {
		t.Fatal(err)
	}
	expectNotices(t, "lock", log.since(), fresh+": "+notify.NoticeAccountLocked)
}

// onlyAccount is the test's one account.
func (e *env) onlyAccount() store.Account {
	e.t.Helper()
	for _, ev := range e.audit() {
		if ev.Kind == "account.create" {
			a, err := e.store.GetAccount(context.Background(), ev.AccountID)
			if err != nil {
				e.t.Fatal(err)
			}
			return a
		}
	}
	e.t.Fatal("no account created")
	return store.Account{}
}

// TestNoticesFactorRemovedAndLockout: over HTTP with real SMTP, a second
// factor removed on the security page sends the factor-removed notice,
// and the wrong codes that lock the account send one account-locked
// notice: the lock's own, not one per refused attempt after it.
func TestNoticesFactorRemovedAndLockout(t *testing.T) {
	const limit = 3
	e := newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) {
		c.Accounts.Contact = testContact
		c.MFA.Lockout.Limit, c.MFA.Lockout.DelayFrom = limit, limit
	})
	log := &noticeLog{e: e}
	const addr = "alex@example.org"
	r := e.rp("rp1")
	b := e.browser()
	e.signIn(r, b, "bank-a", "alex")
	log.since()

	p := e.openSecurity(b, "bank-a/alex")
	app := factorIDOf(p.Body, "Authenticator app")
	to, v, _ := p.Action("/account/security/add/email")
	p = b.emailMFA(b.totpMFA(b.Post(to, v), "bank-a/alex"), "alex.work@example.org")
	expectNotices(t, "email factor added", log.since(), addr+": "+notify.NoticeFactorAdded)
	removed := false
	for action, fv := range p.Forms() {
		if !strings.HasSuffix(action, "/remove") || strings.Contains(action, app) {
			continue
		}
		to, _ := p.Resp.Request.URL.Parse(action)
		confirm := b.Post(to.String(), fv)
		cto, cv, _ := confirm.Action(action)
		p, removed = b.Post(cto, cv), true
		break
	}
	if !removed || strings.Contains(p.Body, "a•••@example.org") {
		t.Fatalf("the email factor was not removed: %.800s", p.Body)
	}
	expectNotices(t, "email factor removed", log.since(), addr+": "+notify.NoticeFactorRemoved)

	// Someone with the password guesses codes until the account locks.
	thief := e.browser()
	p = thief.upstreamPost(thief.choose(thief.choose(thief.Get(r.start().url), "partners"), "bank-a"), "alex")
	to, v, ok := p.UseForm()
	if !ok {
		t.Fatalf("no challenge: %s %.400s", p.Resp.Request.URL, p.Body)
	}
	v.Set("code", e.wrongCodeOf("bank-a/alex"))
	for i := 1; i <= limit+1; i++ {
		p = thief.Post(to, v)
		if locked := strings.Contains(p.Body, "Your account is locked"); locked != (i >= limit) {
			t.Fatalf("wrong code %d: %d, locked page %v", i, p.Resp.StatusCode, locked)
		}
		if i < limit {
			expectNotices(t, "a wrong code", log.since())
		}
	}
	expectNotices(t, "locked", log.since(), addr+": "+notify.NoticeAccountLocked)
}

package broker_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/admin"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// A relying party's new SSO session is stored with the grant, in the
// commit that spends the code (broker/redeem.go). Attacked here on each
// store as a person holding the password, or a code, would try it: the
// code replayed and raced, and a lock that must win over a code already
// out.

// codeOut signs alex in at r in b up to the code, not redeemed, and
// returns it with its authorization and alex's account ID.
func codeOut(t *testing.T, e *env, r *rp, b *browser, extra ...oauth2.AuthCodeOption) (string, authorization, string) {
	t.Helper()
	q, a := e.authorize(r, b, "gckey", "alex", extra...)
	if q.Get("code") == "" {
		t.Fatalf("no code: %v", q)
	}
	return q.Get("code"), a, accountOf(t, e, "gckey", "alex")
}

// sessionsOf are the account's stored sessions.
func sessionsOf(t *testing.T, e *env, accountID string) []store.Session {
	t.Helper()
	ss, err := e.store.ListSessions(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// grantOf is the grant a code made, if any.
func grantOf(t *testing.T, e *env, code string) (store.Grant, bool) {
	t.Helper()
	id, _, _ := strings.Cut(code, ".")
	g, err := e.store.GetGrant(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return g, err == nil
}

// TestAttackReplayedCodeOneSession: until the code is redeemed the
// browser's cookie finds no session (prompt=none is login_required); the
// redemption stores the session the ID token's sid names; the code
// replayed gets nothing, revokes the grant and stores no second session.
func TestAttackReplayedCodeOneSession(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		b := e.browser()
		code, a, alex := codeOut(t, e, r, b)
		if n := len(sessionsOf(t, e, alex)); n != 0 || sessionAlive(e.rp("rp2"), b) {
			t.Fatalf("before the redemption: %d sessions stored, want none and an SSO miss", n)
		}
		tok, err := r.exchange(code, a)
		if err != nil {
			t.Fatal(err)
		}
		ss := sessionsOf(t, e, alex)
		if len(ss) != 1 || ss[0].ID != tok.claims["sid"] || !sessionAlive(e.rp("rp2"), b) {
			t.Fatalf("after the redemption: sessions %+v, sid %v, want that one session, reached by the browser", ss, tok.claims["sid"])
		}
		if _, err := r.exchange(code, a); err == nil {
			t.Fatal("a replayed code was redeemed")
		}
		if ss := sessionsOf(t, e, alex); len(ss) != 1 || ss[0].ID != tok.claims["sid"] {
			t.Errorf("after the replay: sessions %+v, want the first alone", ss)
		}
		if g, ok := grantOf(t, e, code); !ok || !g.Revoked {
			t.Errorf("after the replay: grant %+v (stored %v), want it revoked", g, ok)
		}
	})
}

// TestAttackRacingRedemptionsOneSession: one code redeemed 8 times at
// once: exactly one exchange answers, and exactly its session is stored.
func TestAttackRacingRedemptionsOneSession(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		code, a, alex := codeOut(t, e, r, e.browser())
		var wg sync.WaitGroup
		toks := make([]tokens, 8)
		errs := make([]error, len(toks))
		for i := range toks {
			wg.Add(1)
			go func() { defer wg.Done(); toks[i], errs[i] = r.exchange(code, a) }()
		}
		wg.Wait()
		var won []tokens
		for i, err := range errs {
			if err == nil {
				won = append(won, toks[i])
			}
		}
		if len(won) != 1 {
			t.Fatalf("%d of %d racing redemptions answered, want 1", len(won), len(toks))
		}
		if ss := sessionsOf(t, e, alex); len(ss) != 1 || ss[0].ID != won[0].claims["sid"] {
			t.Errorf("sessions %+v, want the winner's (sid %v) alone", ss, won[0].claims["sid"])
		}
	})
}

// lockAfterCommit is a store on which an administrator's lock lands once,
// right after a redemption's commit and before the exchange answers.
type lockAfterCommit struct {
	store.Store
	once sync.Once
	lock func()
}

func (s *lockAfterCommit) CreateGrantWithSession(ctx context.Context, g store.Grant, sess store.Session, replaced []byte) error {
	err := s.Store.CreateGrantWithSession(ctx, g, sess, replaced)
	s.once.Do(s.lock)
	return err
}

// TestAttackCodeMeetsLock: an administrator locks the account while a
// code is out, before its redemption or landing just after the
// redemption's commit: either way the lock wins, the exchange answers
// invalid_grant, no session is left and the grant is revoked.
func TestAttackCodeMeetsLock(t *testing.T) {
	for _, when := range []string{"before", "after commit"} {
		t.Run(when, func(t *testing.T) {
			var la *lockAfterCommit
			wrap := func(st store.Store) store.Store { la = &lockAfterCommit{Store: st, lock: func() {}}; return la }
			onEachStore(t, wrap, nil, func(t *testing.T, e *env) {
				r := e.rp("rp1")
				b := e.browser()
				code, a, alex := codeOut(t, e, r, b)
				acct, err := e.store.GetAccount(context.Background(), alex)
				if err != nil {
					t.Fatal(err)
				}
				svc := admin.New(e.store, nil, mfa.LockoutConfig{}, store.ClientRules{}, nil, e.clock.Now)
				lock := func() {
					if err := svc.Lock(context.Background(), acct.URN); err != nil {
						t.Error(err)
					}
				}
				if when == "before" {
					lock()
				} else {
					la.lock = lock
				}
				if _, err := r.exchange(code, a); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
					t.Errorf("a code redeemed across a lock: %v, want invalid_grant", err)
				}
				if ss := sessionsOf(t, e, alex); len(ss) != 0 || sessionAlive(e.rp("rp2"), b) {
					t.Errorf("sessions %+v after the lock, want none", ss)
				}
				if g, ok := grantOf(t, e, code); ok && !g.Revoked {
					t.Error("a code redeemed across a lock left a live grant")
				}
			})
		})
	}
}

// TestPendingSessionReplacesThePrevious: a new authentication in a
// browser that has a session (prompt=login) keeps that session until its
// code is redeemed; the redemption's one commit stores the new session
// and deletes the old one.
func TestPendingSessionReplacesThePrevious(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		b := e.browser()
		first := e.signIn(r, b, "gckey", "alex")
		code, a, alex := codeOut(t, e, r, b, oauth2.SetAuthURLParam("prompt", "login"))
		if ss := sessionsOf(t, e, alex); len(ss) != 1 || ss[0].ID != first.claims["sid"] {
			t.Fatalf("before the redemption: sessions %+v, want the first alone", ss)
		}
		writes := e.store.(interface{ Writes() int64 }).Writes
		before := writes()
		tok, err := r.exchange(code, a)
		if err != nil {
			t.Fatal(err)
		}
		if n := writes() - before; n != 1 {
			t.Errorf("the redemption made %d durable writes, want 1", n)
		}
		if ss := sessionsOf(t, e, alex); len(ss) != 1 || ss[0].ID != tok.claims["sid"] || tok.claims["sid"] == first.claims["sid"] {
			t.Errorf("after the redemption: sessions %+v, want the new one (sid %v) alone", ss, tok.claims["sid"])
		}
	})
}

// TestLogoutBeforeRedemption: the browser logs out between its code and
// the code's redemption. The logout clears the cookie (it finds no
// session to end: none is stored yet); the redemption then gives the
// client its tokens and stores a session that no browser can present:
// the logged-out browser, and anyone else, meets an SSO miss.
func TestLogoutBeforeRedemption(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		b := e.browser()
		code, a, alex := codeOut(t, e, r, b)
		if p := b.Get(e.issuer + "/end_session"); p.Resp.StatusCode != http.StatusOK {
			t.Fatalf("end_session: %d at %s", p.Resp.StatusCode, p.Resp.Request.URL)
		}
		issuer, _ := url.Parse(e.issuer)
		for _, c := range b.HTTP.Jar.Cookies(issuer) {
			if strings.HasSuffix(c.Name, "passerelle-session") {
				t.Fatalf("the logout left the session cookie %s", c.Name)
			}
		}
		if _, err := r.exchange(code, a); err != nil {
			t.Fatalf("the code after the logout: %v", err)
		}
		if len(sessionsOf(t, e, alex)) != 1 {
			t.Error("the redemption stored no session")
		}
		if sessionAlive(e.rp("rp2"), b) || sessionAlive(e.rp("rp2"), e.browser()) {
			t.Error("the session stored after the logout was reached")
		}
	})
}

// TestAttackCodeMeetsSignOutEverywhere: the person signs out everywhere
// from another browser while a code (the attacker's, say, from a sign-in
// that passed the second factor a moment before) is out: the code gives
// nothing when redeemed — invalid_grant, no session, the grant revoked —
// and a sign-in after the sign-out goes on.
func TestAttackCodeMeetsSignOutEverywhere(t *testing.T) {
	onEachStore(t, nil, nil, func(t *testing.T, e *env) {
		r := e.rp("rp1")
		mine := e.browser()
		e.signIn(r, mine, "gckey", "alex")
		code, a, alex := codeOut(t, e, r, e.browser())
		e.clock.Advance(time.Second)
		p := e.openAccount(mine, "gckey/alex")
		to, v, _ := p.Action("/account/signout-everywhere")
		if p = mine.Post(to, v); p.Resp.Request.URL.Path != "/logged-out" {
			t.Fatalf("sign out everywhere landed on %s", p.Resp.Request.URL)
		}
		if _, err := r.exchange(code, a); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("a code redeemed across a sign-out everywhere: %v, want invalid_grant", err)
		}
		if ss := sessionsOf(t, e, alex); len(ss) != 0 {
			t.Errorf("sessions %+v after the sign-out, want none", ss)
		}
		if g, ok := grantOf(t, e, code); ok && !g.Revoked {
			t.Error("a code redeemed across a sign-out everywhere left a live grant")
		}
		e.clock.Advance(time.Second)
		e.signIn(r, e.browser(), "gckey", "alex")
	})
}

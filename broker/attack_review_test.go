package broker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/testbrowser"
	"github.com/passerelle/passerelle/store"
)

// Review of the completion gate (commit 3c58632), from the side of the
// holder of a stolen password. The races below are made deterministic by a
// store that holds one write until another has landed: it stands for the
// attacker winning a timing race they can retry as often as they like
// (each try costs them one of their own factor's answers, a software
// security key gives unlimited ones).

// hookStore calls before (and after) every auth request write with the
// stored request and what the write will make of it.
type hookStore struct {
	store.Store
	mu            sync.Mutex
	before, after func(cur, next store.AuthRequest)
}

func (s *hookStore) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	s.mu.Lock()
	before, after := s.before, s.after
	s.mu.Unlock()
	var cur, next store.AuthRequest
	dry := false
	if before != nil || after != nil {
		if c, err := s.Store.GetAuthRequest(ctx, id); err == nil {
			cur = c
			if c2, err := s.Store.GetAuthRequest(ctx, id); err == nil {
				if n, err := fn(c2); err == nil {
					next, dry = n, true
				}
			}
		}
	}
	if dry && before != nil {
		before(cur, next)
	}
	err := s.Store.UpdateAuthRequest(ctx, id, fn)
	if dry && after != nil {
		after(cur, next)
	}
	return err
}

func (s *hookStore) set(before, after func(cur, next store.AuthRequest)) {
	s.mu.Lock()
	s.before, s.after = before, after
	s.mu.Unlock()
}

// accountOf is the account upstream user signs in to.
func accountOf(t *testing.T, e *env, provider, user string) string {
	t.Helper()
	l, err := e.store.GetLink(t.Context(), provider, upstreamSubject(t, e, provider, user))
	if err != nil {
		t.Fatal(err)
	}
	return l.AccountID
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) bool {
	select {
	case <-ch:
		return true
	case <-time.After(10 * time.Second):
		t.Errorf("timed out waiting for %s", what)
		return false
	}
}

// TestAttackAccountSwapRace: one auth request, two credentials in flight
// at once. Both upstream callbacks load the request while no account is
// named (legAllowed passes for both); the attacker's own credential lands
// first, so the request asks for the attacker's own factor; the victim's
// callback (password only) lands while the attacker's answer to their own
// factor is between its read and its write. The victim's callback resets
// nothing (no factor recorded yet), and the factor's pending change
// (mfaPages.record: Verified += totp) is then applied to the stored request,
// which now names the victim: the write checks a.Done only, never that
// a.AccountID is still the account the factor belongs to. The request
// completes with the victim's account in the grant.
//
//  1. GET  /authorize (rp1)                           → /login/R chooser
//  2. POST gckey /authorize alex/pw → GET /callback/gckey   (B: loads R, account "")
//  3. POST /login/R/choose/partners, bank-a, sam/pw → GET /callback/bank-a
//     (A: loads R, account "", writes sam's account)
//  4. POST /login/R/mfa/use/{sam's app} with sam's code  (C: loads R naming sam)
//     B's write (account → alex) lands here
//     C's write: Verified=[totp], Done, code → rp1
//  5. the code's grant is alex's account: userinfo answers alex's email.
//
// swapRace runs the race on the request whose chooser is shown at
// chooser in b: the victim's gckey leg (alex) is held at its write until
// the attacker (sam, bank-a) has answered their own app and that answer's
// write is due. It returns the page after the attacker's answer.
func swapRace(t *testing.T, e *env, hs *hookStore, b *browser, chooser page, victim, attacker string) page {
	t.Helper()
	bArrived, cArrived, bDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var bSeen, bAfter, cSeen bool
	var mu sync.Mutex
	hs.set(func(cur, next store.AuthRequest) {
		mu.Lock()
		isB := !bSeen && next.AccountID == victim && cur.AccountID != victim
		isC := !cSeen && cur.AccountID == attacker && len(next.MFA.Verified) > len(cur.MFA.Verified)
		if isB {
			bSeen = true
		}
		if isC {
			cSeen = true
		}
		mu.Unlock()
		switch {
		case isB:
			close(bArrived)
			waitFor(t, cArrived, "the attacker's factor answer")
		case isC:
			close(cArrived)
			waitFor(t, bDone, "the victim's callback write")
		}
	}, func(cur, next store.AuthRequest) {
		mu.Lock()
		isB := bSeen && !bAfter && next.AccountID == victim && cur.AccountID != victim
		if isB {
			bAfter = true
		}
		mu.Unlock()
		if isB {
			close(bDone)
		}
	})

	up := b.choose(chooser, "gckey")
	// The victim's leg runs in a second tab that stops at the first
	// Passerelle page after the callback.
	tab := &testbrowser.Browser{T: t, HTTP: &http.Client{Jar: b.HTTP.Jar, Timeout: 30 * time.Second,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(r.URL.Path, "/login/") {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
	bFinished := make(chan struct{})
	go func() {
		defer close(bFinished)
		to, v, ok := up.Action("/authorize")
		if !ok {
			t.Errorf("no upstream form")
			return
		}
		v.Set("username", "alex")
		v.Set("password", "pw")
		v.Set("action", "signin")
		resp, err := tab.HTTP.PostForm(to, v)
		if err == nil {
			resp.Body.Close()
		}
	}()
	if !waitFor(t, bArrived, "the victim's callback") {
		t.FailNow()
	}
	// The attacker's own credential on the same request.
	p := b.upstreamLoginRaw(b.choose(b.choose(chooser, "partners"), "bank-a"), "sam")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("the attacker's own credential did not reach their factor: %s (%d): %.300s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	p = b.totpMFA(p, "bank-a/sam")
	<-bFinished
	hs.set(nil, nil)
	return p
}

func TestAttackAccountSwapRace(t *testing.T) {
	var hs *hookStore
	e := newEnvStore(t, demoidp.Faults{}, func(st store.Store) store.Store { hs = &hookStore{Store: st}; return hs })
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // the victim, with an app
	e.signIn(r, e.browser(), "bank-a", "sam") // the attacker's own account, with an app
	victim, attacker := accountOf(t, e, "gckey", "alex"), accountOf(t, e, "bank-a", "sam")

	b := e.browser()
	a := r.start()
	chooser := b.Get(a.url)
	id := strings.TrimPrefix(regexpFind(chooser.Resp.Request.URL.Path, `^(/login/[^/]+)`), "/login/")
	p := swapRace(t, e, hs, b, chooser, victim, attacker)
	stored, err := e.store.GetAuthRequest(t.Context(), id)
	if err == nil && stored.AccountID == victim && stored.Done {
		t.Errorf("the request was completed while naming the victim's account (MFA %+v)", stored.MFA)
	}
	loc := p.Resp.Header.Get("Location")
	if !strings.Contains(loc, "code=") {
		t.Logf("no code: %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
		return
	}
	q := r.callback(p, a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	g, err := e.store.GetGrant(t.Context(), id)
	if err == nil && g.AccountID == victim {
		t.Errorf("the attacker's code was redeemed for a grant on the victim's account")
	}
	info, err := r.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok.Token))
	if err == nil && info.Email == "alex@example.org" {
		t.Errorf("userinfo of the attacker's tokens answers the victim's email %q (sub %s)", info.Email, info.Subject)
	}
	_ = url.Values{}
}

// TestAttackAccountSwapRaceAddsFactor: the same race on the internal
// sign-in the account page starts to add a factor. The attacker opens the
// window on their own account, posts "add an authenticator app", drops
// their session cookie (their browser) so the new request asks for a
// credential, and runs the race. The attacker's answer does not complete
// (AddKind): it persists Verified=[totp] onto the request that now names
// the victim and sends the browser to the set-up, which mayEnrol allows
// (Verified is not empty). An app of the attacker's is set up on the
// victim's account, and the request completes: a session for the victim
// with the account pages' window, in the attacker's browser.
//
//  1. (own window) POST /account/security/add/totp → /login/R (stop)
//  2. drop the session cookie; GET /login/R → chooser
//     3-4. the race of TestAttackAccountSwapRace on R
//  5. GET /login/R/mfa/enrol/totp (the victim's account), POST .../finish
//  6. GET /account/security: the victim's page.
func TestAttackAccountSwapRaceAddsFactor(t *testing.T) {
	var hs *hookStore
	e := newEnvStore(t, demoidp.Faults{}, func(st store.Store) store.Store { hs = &hookStore{Store: st}; return hs })
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	b := e.browser()
	e.signIn(r, b, "bank-a", "sam")
	victim, attacker := accountOf(t, e, "gckey", "alex"), accountOf(t, e, "bank-a", "sam")
	before := e.factorCount(upstreamSubject(t, e, "gckey", "alex"))

	sec := e.openSecurity(b, "bank-a/sam")
	to, v, ok := sec.Action("/account/security/add/totp")
	if !ok {
		t.Fatalf("no add form: %.500s", sec.Body)
	}
	stop := &http.Client{Jar: b.HTTP.Jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := stop.PostForm(to, v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loginURL := e.issuer + resp.Header.Get("Location")
	if !strings.Contains(loginURL, "/login/") {
		t.Fatalf("add did not start a sign-in: %d %s", resp.StatusCode, loginURL)
	}
	u, _ := url.Parse(e.issuer)
	b.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "passerelle-session", Value: "", Path: "/", MaxAge: -1}})
	chooser := b.Get(loginURL)
	if _, _, ok := chooser.Action("/choose/gckey"); !ok {
		t.Fatalf("no chooser at %s: %.300s", chooser.Resp.Request.URL, chooser.Body)
	}
	p := swapRace(t, e, hs, b, chooser, victim, attacker)
	// p is the set-up page of a new app; totpMFA sets it up.
	p = b.totpMFA(p, "attacker-app-on-victim")
	if got := e.factorCount(upstreamSubject(t, e, "gckey", "alex")); got != before {
		t.Errorf("the victim's account has %d factors, had %d: the attacker set one up", got, before)
	}
	p = b.Get(e.issuer + "/account/security")
	if p.Resp.Request.URL.Path == "/account/security" && p.Resp.StatusCode == http.StatusOK {
		s, _ := e.store.GetAccount(t.Context(), victim)
		if strings.Contains(p.Body, s.URN) {
			t.Errorf("the victim's security page opened in the attacker's browser")
		}
	}
}

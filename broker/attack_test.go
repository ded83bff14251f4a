package broker_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/testbrowser"
	"github.com/passerelle/passerelle/providers/oidc"
	"github.com/passerelle/passerelle/store"
)

const loa4 = "urn:gc-ca:cyber-auth:assurance:loa4"

// The threat model (broker/doc.go): the attacker knows a person's
// first-factor password, nothing else, and drives a fresh browser of
// their own through every page and endpoint of the journey. None of the
// paths below may yield an authorization code, the account pages' window,
// a linked credential or a new factor without the account's own second
// factor. The other attacker tests (TestAttack*) are in the attack_*_test
// files beside this one.

// attackerAtChallenge signs in upstream as user in a fresh browser and
// stops at the second factor the account asks for.
func (e *env) attackerAtChallenge(r *rp, upstream, user string, extra ...oauth2.AuthCodeOption) (*browser, page, authorization) {
	e.t.Helper()
	b := e.browser()
	a := r.start(extra...)
	p := b.upstreamPost(b.choose(b.Get(a.url), upstream), user)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		e.t.Fatalf("expected the account's second factor, landed on %s (%d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	return b, p, a
}

// stepPath is the /login/{id} prefix of the sign-in page p belongs to.
func stepPath(t testing.TB, p page) string {
	t.Helper()
	path := p.Resp.Request.URL.Path
	i := strings.Index(path, "/mfa")
	if !strings.HasPrefix(path, "/login/") || i < 0 {
		t.Fatalf("not a second-factor page: %s", path)
	}
	return path[:i]
}

// csrfOf is the CSRF token of the first form of p.
func csrfOf(t testing.TB, p page) string {
	t.Helper()
	for _, v := range p.Forms() {
		if c := v.Get("csrf"); c != "" {
			return c
		}
	}
	t.Fatalf("no CSRF token on %s", p.Resp.Request.URL)
	return ""
}

// enrolOwnApp tries to set up an authenticator app of the attacker's own
// from a second-factor page, and to go on with it.
func (e *env) enrolOwnApp(b *browser, p page) page {
	e.t.Helper()
	base := e.issuer + stepPath(e.t, p)
	csrf := url.Values{"csrf": {csrfOf(e.t, p)}}
	p = b.Post(base+"/mfa/enrol/totp", csrf)
	if p.Resp.StatusCode != http.StatusForbidden {
		e.t.Errorf("set-up of a new app at %s: %d, want 403", base, p.Resp.StatusCode)
	}
	app := &testbrowser.Authenticator{Now: e.clock.Now, Next: func() { e.clock.Advance(30 * time.Second) }}
	p = b.TOTPMFA(p, app)
	if app.Secret != "" {
		e.t.Errorf("the set-up page of a new app was shown at %s", p.Resp.Request.URL)
	}
	// Straight to the finish, as if the page had been shown.
	p = b.Post(base+"/mfa/enrol/totp/finish", url.Values{"csrf": csrf["csrf"], "code": {"123456"}})
	if p.Resp.StatusCode != http.StatusForbidden {
		e.t.Errorf("set-up finish at %s: %d, want 403", base, p.Resp.StatusCode)
	}
	return p
}

// noCode fails if p is the relying party's callback with a code.
func noCode(t testing.TB, p page, what string) {
	t.Helper()
	if loc := p.Resp.Header.Get("Location"); strings.Contains(loc, "code=") {
		t.Fatalf("%s: a code reached the relying party: %s", what, loc)
	}
	if strings.Contains(p.Body, `name="code" value=`) {
		t.Fatalf("%s: a code was posted to the relying party", what)
	}
}

// factorCount is the number of factors of the account upstream subject
// sub signs in to.
func (e *env) factorCount(sub string) int {
	e.t.Helper()
	l, err := e.store.GetLink(e.t.Context(), "gckey", sub)
	if err != nil {
		e.t.Fatal(err)
	}
	fs, err := e.store.ListFactors(e.t.Context(), l.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(fs)
}

// TestAttackEnrolInsteadOfAnswering: at the challenge, the attacker sets
// up an app (or an email address) of their own instead of answering.
func TestAttackEnrolInsteadOfAnswering(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex") // the victim's app and recovery codes
	sub := upstreamSubject(t, e, "gckey", "alex")
	before := e.factorCount(sub)

	b, p, _ := e.attackerAtChallenge(r, "gckey", "alex")
	p = e.enrolOwnApp(b, p)
	noCode(t, p, "app set-up at the challenge")

	// An email factor at the attacker's address: no code is sent there.
	b, p, _ = e.attackerAtChallenge(r, "gckey", "alex")
	base := e.issuer + stepPath(t, p)
	v := url.Values{"csrf": {csrfOf(t, p)}, "email": {"attacker@evil.example"}}
	p = b.Post(base+"/mfa/enrol/email/finish", v)
	noCode(t, p, "email set-up at the challenge")
	for _, m := range e.outbox.Messages() {
		if m.To == "attacker@evil.example" {
			t.Fatal("a code was emailed to the attacker's address")
		}
	}
	if got := e.factorCount(sub); got != before {
		t.Errorf("the account has %d factors, had %d", got, before)
	}
}

// TestAttackEnrolAtTheAccountPages: the internal sign-in that opens the
// account security page is attacked the same way; the window stays shut.
func TestAttackEnrolAtTheAccountPages(t *testing.T) {
	e := newEnv(t)
	e.signIn(e.rp("rp1"), e.browser(), "gckey", "alex")
	b := e.browser()
	p := b.upstreamPost(b.choose(b.Get(e.issuer+"/account/security"), "gckey"), "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("the account pages did not ask for the factor: %s", p.Resp.Request.URL)
	}
	e.enrolOwnApp(b, p)
	p = b.Get(e.issuer + "/account/security")
	if p.Resp.Request.URL.Path == "/account/security" && p.Resp.StatusCode == http.StatusOK {
		t.Fatal("the account security page opened without the account's factor")
	}
}

// TestAttackStepUpEnrolsFirst: the account has only an email factor; a
// request for loa3 must not offer the attacker an app set-up before the
// email code.
func TestAttackStepUpEnrolsFirst(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.emailMFA(b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex"), "alex@example.org")
	r.callback(p, a) // the victim's email factor

	b, p, _ = e.attackerAtChallenge(r, "gckey", "alex", oauth2.SetAuthURLParam("acr_values", loa3))
	if strings.Contains(p.Body, "/mfa/enrol/") {
		t.Fatal("step-up offered a set-up before the account's own factor")
	}
	noCode(t, e.enrolOwnApp(b, p), "set-up at step-up")
}

// TestAttackUpstreamACRStandsInForTheFactor: an operator maps the
// upstream's acr to the top of the ladder; the password alone still gets
// no code, for a new account or one with a factor.
func TestAttackUpstreamACRStandsInForTheFactor(t *testing.T) {
	e := newEnv(t)
	e.mapUpstreamACR("gckey", map[string]string{loa2: loa4})
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex")
	noCode(t, p, "first sign-in with a mapped acr")
	if !strings.Contains(p.Body, "/mfa/enrol/") {
		t.Fatalf("a new account was not asked to set up a factor: %s", p.Resp.Request.URL)
	}
	tok, err := r.exchange(r.callback(b.totpMFA(p, "gckey/alex"), a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims["acr"] != loa4 {
		t.Errorf("acr with a factor and the upstream's loa4 = %v; the upstream raises the level with a factor", tok.claims["acr"])
	}
	_, p, _ = e.attackerAtChallenge(r, "gckey", "alex")
	noCode(t, p, "returning account with a mapped acr")
}

// mapUpstreamACR rebuilds the upstream id with an acr_map, as an operator
// would configure it, and reloads the broker with it.
func (e *env) mapUpstreamACR(id string, m map[string]string) {
	e.t.Helper()
	ups := append([]broker.Upstream(nil), e.ups...)
	for i, u := range ups {
		if u.ID != id {
			continue
		}
		p, err := oidc.Open(id, oidc.Config{Issuer: e.upstream[id].srv.URL + "/" + id, ClientID: "passerelle",
			ClientSecret: "upstream-secret", ACRMap: m}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			e.t.Fatal(err)
		}
		ups[i].Provider = p
	}
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}
	if err := e.broker.Reload(append([]broker.ClientConfig(nil), testClients...), groups, ups); err != nil {
		e.t.Fatal(err)
	}
}

// TestAttackLinkDuringTheChallenge: in a browser whose account window is
// open (left unattended), linking a credential asks for the factor again;
// starting the link's upstream leg from the challenge writes no link.
func TestAttackLinkDuringTheChallenge(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	ap := e.openAccount(b, "gckey/alex")
	to, v, ok := ap.Action("/account/link/bank-b")
	if !ok {
		t.Fatalf("no link form for bank-b: %.600s", ap.Body)
	}
	p := b.Post(to, v)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("linking did not ask for the factor: %s", p.Resp.Request.URL)
	}
	base := e.issuer + strings.TrimSuffix(stepPath(t, p), "/")
	p = b.Post(base+"/choose/bank-b", url.Values{"csrf": {csrfOf(t, p)}})
	if _, _, ok := p.Action("/authorize"); ok {
		p = b.upstreamLoginRaw(p, "sam")
	}
	if p.Resp.Request.URL.Path == "/account" {
		t.Fatalf("the link was written without the factor: %s", p.Resp.Request.URL)
	}
	// Sam's bank credential is still new to Passerelle.
	b2 := e.browser()
	p = b2.upstreamLoginRaw(b2.choose(b2.choose(b2.Get(e.rp("rp1").start().url), "partners"), "bank-b"), "sam")
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Errorf("sam's bank credential is linked: landed on %s", p.Resp.Request.URL)
	}
}

// TestAttackRecoveryLeavesTheLostFactor: after a recovery code and a new
// factor, the old recovery codes are void and the lost factor can go;
// removed, it no longer signs in.
func TestAttackRecoveryLeavesTheLostFactor(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	codes, oldSecret := e.recovery["gckey/alex"], e.totp["gckey/alex"]
	sub := upstreamSubject(t, e, "gckey", "alex")

	b := e.browser()
	a := r.start()
	p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex")
	p = b.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
	to, v, _ := p.Action("/mfa/recovery")
	v.Set("code", codes[0])
	p = b.Post(to, v)
	to, v, _ = p.Action("/mfa/enrol/totp")
	p = b.Post(to, v)
	app := &testbrowser.Authenticator{Now: e.clock.Now}
	if m := regexpFind(p.Body, `<code class="secret">(.*?)</code>`); m != "" {
		app.Secret = strings.NewReplacer("<wbr>", "", "<span>", "", "</span>", "").Replace(m)
	}
	to, v, _ = p.Action("/mfa/enrol/totp/finish")
	v.Set("code", app.Code(t))
	p = b.Post(to, v)
	if !strings.Contains(p.Body, `name="remove"`) {
		t.Fatalf("no offer to remove the lost factor: %.1200s", p.Body)
	}
	to, v, _ = p.Action("/mfa/saved")
	v.Set("saved", "yes")
	v.Set("remove", regexpFind(p.Body, `name="remove" value="([^"]+)"`)) // the box comes ticked
	if !strings.Contains(p.Body, "no longer work") {
		t.Error("the page does not say the old recovery codes stopped working")
	}
	if q := r.callback(b.Post(to, v), a); q.Get("code") == "" {
		t.Fatalf("no code after the new factor: %v", q)
	}
	if n := e.factorCount(sub); n != 2 {
		t.Errorf("factors after the recovery: %d, want the new app and the new codes", n)
	}
	// The old app and the other old recovery codes no longer sign in.
	_, p, _ = e.attackerAtChallenge(r, "gckey", "alex")
	to, v, _ = p.UseForm()
	e.clock.Advance(30 * time.Second)
	v.Set("code", e.totpCode(oldSecret))
	noCode(t, b.Post(to, v), "the lost app")
	b, p, _ = e.attackerAtChallenge(r, "gckey", "alex")
	p = b.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
	to, v, _ = p.Action("/mfa/recovery")
	v.Set("code", codes[1])
	if again := b.Post(to, v); again.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an old recovery code still works: %d", again.Resp.StatusCode)
	}
}

// upstreamSubject is the subject the demo upstream gives user (a hash of
// its issuer and the username).
func upstreamSubject(t *testing.T, e *env, provider, user string) string {
	t.Helper()
	h := sha256.Sum256([]byte(e.upstream[provider].srv.URL + "/" + provider + "\x00" + user))
	return hex.EncodeToString(h[:16])
}

// TestAttackFactorOfAKindSwitchedOff: the account's only factor is a
// security key and this deployment has security keys switched off; the
// account still has a factor, so nobody may set up a "first" one.
func TestAttackFactorOfAKindSwitchedOff(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	e.signIn(r, e.browser(), "gckey", "alex")
	acct := accountOf(t, e, "gckey", "alex")
	fs, err := e.store.ListFactors(t.Context(), acct)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fs {
		if err := e.store.DeleteFactor(t.Context(), x.ID); err != nil {
			t.Fatal(err)
		}
	}
	key := store.Factor{ID: "key-1", AccountID: acct, Kind: store.FactorWebAuthn, Name: "Key", CredentialID: []byte("cred-1"),
		CreatedAt: e.clock.Now()}
	if err := e.store.CreateFactor(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	a := r.start()
	p := b.upstreamPost(b.choose(b.Get(a.url), "gckey"), "alex")
	noCode(t, p, "an account whose factor is switched off")
	if strings.Contains(p.Body, "/mfa/enrol/") || p.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a first factor was offered to an account that has one: %d %s", p.Resp.StatusCode, p.Resp.Request.URL)
	}
}

package broker_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestLinkBankToLocalAccount: a person with a GCKey-like credential signs
// in with a bank for the first time and links it on purpose; both reach
// one account and one pairwise sub per relying party.
func TestLinkBankToLocalAccount(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	a := r.start()
	first, err := r.exchange(r.callback(b.totpMFA(b.register(b.localPage(a.url), "alex", "alex@example.org"), "local/alex"), a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}

	// The bank's person has the same email address: no automatic link.
	b2 := e.browser()
	a = r.start()
	p := b2.choose(b2.choose(b2.Get(a.url), "partners"), "bank-a")
	to, v, _ := p.Action("/authorize")
	v.Set("username", "alex")
	v.Set("password", "pw")
	v.Set("action", "signin")
	p = b2.Post(to, v)
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Fatalf("a new credential with a matching email went to %s", p.Resp.Request.URL)
	}
	// Link: sign in with the existing credential, then its second factor.
	to, v, _ = p.Action("/first/link")
	p = b2.Post(to, v)
	if strings.Contains(p.Body, "bank-a EN") {
		t.Error("the chooser offers the credential being linked")
	}
	p = b2.choose(p, "local")
	lto, lv, _ := p.Action("/local")
	lv.Set("username", "alex")
	lv.Set("password", localPassword)
	p = b2.Post(lto, lv)
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("linking did not ask for the account's second factor: %s", p.Resp.Request.URL)
	}
	// Abandoned at the second factor: no link is written.
	b3 := e.browser()
	pb := b3.upstreamLoginRaw(b3.choose(b3.choose(b3.Get(r.start().url), "partners"), "bank-a"), "alex")
	if !strings.HasSuffix(pb.Resp.Request.URL.Path, "/first") {
		t.Fatalf("the link was written before the second factor: %s", pb.Resp.Request.URL)
	}
	// Finish the second factor: linked.
	linked, err := r.exchange(r.callback(b2.totpMFA(p, "local/alex"), a).Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if linked.idToken.Subject != first.idToken.Subject {
		t.Errorf("after linking, sub %s, want the account's %s", linked.idToken.Subject, first.idToken.Subject)
	}
	// From now on the bank alone reaches the same account.
	b4 := e.browser()
	a = r.start()
	p = b4.upstreamLoginRaw(b4.choose(b4.choose(b4.Get(a.url), "partners"), "bank-a"), "alex")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("linked bank: landed on %s", p.Resp.Request.URL)
	}
	bank, err := r.exchange(r.callback(b4.totpMFA(p, "local/alex"), a).Get("code"), a)
	if err != nil || bank.idToken.Subject != first.idToken.Subject {
		t.Errorf("bank after linking: %v, sub %s", err, bank.idToken.Subject)
	}
	// Another relying party of another sector sees another sub, for both.
	r2 := e.rp("rp2")
	a = r2.start()
	two, err := r2.exchange(r2.callback(b4.Get(a.url), a).Get("code"), a)
	if err != nil || two.idToken.Subject == first.idToken.Subject {
		t.Errorf("rp2: %v, sub %s", err, two.idToken.Subject)
	}

	// The account page: two credentials; unlink the bank; then the bank is
	// new again. The last credential cannot be unlinked.
	ap := e.openAccount(b4, "local/alex")
	if !strings.Contains(ap.Body, "bank-a EN") || !strings.Contains(ap.Body, "GCKey") {
		t.Fatalf("account page lacks the credentials: %.1200s", ap.Body)
	}
	uto, uv, ok := ap.Action("/account/unlink/bank-a")
	if !ok {
		t.Fatal("no unlink form for the bank")
	}
	ap = b4.Post(uto, uv)
	if !strings.Contains(ap.Body, "Yes, unlink it") {
		t.Fatalf("no confirmation before unlinking: %.1500s", ap.Body)
	}
	uto, uv, _ = ap.Action("/account/unlink/bank-a")
	ap = b4.Post(uto, uv)
	if _, _, ok := ap.Action("/account/unlink/local"); ok {
		t.Error("the last credential offers unlinking")
	}
	b5 := e.browser()
	p = b5.upstreamLoginRaw(b5.choose(b5.choose(b5.Get(r.start().url), "partners"), "bank-a"), "alex")
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/first") {
		t.Errorf("after unlinking, the bank went to %s", p.Resp.Request.URL)
	}
}

// openAccount opens the account page after a fresh second factor.
func (e *env) openAccount(b *browser, key string) page {
	e.t.Helper()
	p := b.totpMFA(b.Get(e.issuer+"/account"), key)
	if p.Resp.StatusCode != http.StatusOK || p.Resp.Request.URL.Path != "/account" {
		e.t.Fatalf("account page: %d at %s: %.500s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	return p
}

func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	b := e.browser()
	tok := e.signIn(r, b, "gckey", "alex")
	other := e.browser()
	e.signIn(r, other, "gckey", "alex") // a second session, elsewhere
	p := e.openAccount(b, "gckey/alex")
	to, v, _ := p.Action("/account/signout-everywhere")
	if p = b.Post(to, v); p.Resp.Request.URL.Path != "/logged-out" {
		t.Fatalf("sign out everywhere landed on %s", p.Resp.Request.URL)
	}
	if _, err := e.refresh(r, tok.RefreshToken); err == nil {
		t.Error("a refresh token survived sign out everywhere")
	}
	if e.introspect(tok.AccessToken)["active"] != false {
		t.Error("an access token survived sign out everywhere")
	}
	a := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := r.callback(other.Get(a.url), a); q.Get("error") != "login_required" {
		t.Errorf("the other session survived: %v", q)
	}
}

func TestAccountLanguageAndEmail(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	p := e.openAccount(b, "gckey/alex")
	to, v, _ := p.Action("/account/lang")
	v.Set("lang", "fr")
	if p = b.Post(to, v); !strings.Contains(p.Body, `lang="fr"`) {
		t.Errorf("language not switched: %.300s", p.Body)
	}
	to, v, _ = p.Action("/account/email")
	v.Set("email", "alex.new@example.org")
	p = b.Post(to, v)
	cto, cv, ok := p.Action("/account/email/confirm")
	if !ok {
		t.Fatalf("no code page for the new address: %s %.400s", p.Resp.Request.URL, p.Body)
	}
	cv.Set("code", "000000")
	if bad := b.Post(cto, cv); bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong code: %d", bad.Resp.StatusCode)
	}
	cv.Set("code", e.lastCode("alex.new@example.org"))
	if p = b.Post(cto, cv); !strings.Contains(p.Body, "alex.new@example.org") {
		t.Errorf("email not changed: %.800s", p.Body)
	}
	// The relying party's userinfo now says so... after a new sign-in.
}

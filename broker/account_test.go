package broker_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/internal/testbrowser"
)

// openSecurity opens the account security page in a signed-in browser:
// the page asks for the second factor first.
func (e *env) openSecurity(b *browser, key string) page {
	e.t.Helper()
	p := b.totpMFA(b.Get(e.issuer+"/account/security"), key)
	if p.Resp.StatusCode != http.StatusOK || p.Resp.Request.URL.Path != "/account/security" {
		e.t.Fatalf("security page: %d at %s: %.500s", p.Resp.StatusCode, p.Resp.Request.URL, p.Body)
	}
	return p
}

func TestSecurityPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	// Without a session the page starts a sign-in.
	if p := b.Get(e.issuer + "/account/security"); !strings.Contains(p.Resp.Request.URL.Path, "/login/") {
		t.Fatalf("anonymous visit landed on %s", p.Resp.Request.URL)
	}
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	// Signed in: a fresh second factor is still required.
	p := b.Get(e.issuer + "/account/security")
	if !strings.Contains(p.Resp.Request.URL.Path, "/mfa/use/") {
		t.Fatalf("the page did not ask for a fresh factor: %s", p.Resp.Request.URL)
	}
	p = e.openSecurity(b, "gckey/alex")
	if !strings.Contains(p.Body, "Authenticator app") || !regexpMatch(p.Body, `\d{4}-\d{4}-\d{4}`) {
		t.Errorf("page lacks the factor or the URN: %.1500s", p.Body)
	}
	// The only factor cannot be removed: no form for it.
	if _, _, ok := p.Action("/remove"); ok {
		t.Error("the last factor offers removal")
	}
	// Rename it.
	to, v, ok := p.Action("/rename")
	if !ok {
		t.Fatal("no rename form")
	}
	v.Set("name", "Phone")
	if p = b.Post(to, v); !strings.Contains(p.Body, "Phone") || !strings.Contains(p.Body, `role="status"`) {
		t.Errorf("rename: %d %.800s", p.Resp.StatusCode, p.Body)
	}
	// A form without its CSRF token is refused.
	v.Del("csrf")
	if bad := b.Post(to, v); bad.Resp.StatusCode != http.StatusForbidden {
		t.Errorf("rename without CSRF: %d", bad.Resp.StatusCode)
	}
	// Add an email address for codes: a fresh factor, then the set-up.
	to, v, _ = p.Action("/account/security/add/email")
	p = b.emailMFA(b.totpMFA(b.Post(to, v), "gckey/alex"), "alex.work@example.org")
	if p.Resp.Request.URL.Path != "/account/security" || !strings.Contains(p.Body, "a•••@example.org") {
		t.Fatalf("after adding email: %s %.800s", p.Resp.Request.URL, p.Body)
	}
	// Change the address of the email factor: a code to the new address,
	// then the old factor is gone.
	to, v, ok = p.Action("/change")
	if !ok {
		t.Fatal("no change form on the email factor")
	}
	p = b.emailMFA(b.totpMFA(b.Post(to, v), "gckey/alex"), "bea.new@example.org")
	if p.Resp.Request.URL.Path != "/account/security" || !strings.Contains(p.Body, "b•••@example.org") || strings.Contains(p.Body, "a•••@example.org") {
		t.Fatalf("after changing the address: %s %.1200s", p.Resp.Request.URL, p.Body)
	}
	// Now two factors: the app can be removed.
	for action, v := range p.Forms() {
		if strings.HasSuffix(action, "/remove") && strings.Contains(action, factorIDOf(p.Body, "Phone")) {
			to, _ := p.Resp.Request.URL.Parse(action)
			p = b.Post(to.String(), v)
			// Asked first: nothing is removed until the person confirms.
			if !strings.Contains(p.Body, "Yes, remove it") || !strings.Contains(p.Body, `class="danger"`) {
				t.Fatalf("no confirmation before removing a factor: %.1500s", p.Body)
			}
			if still := b.Get(e.issuer + "/account/security"); !strings.Contains(still.Body, "Phone") {
				t.Fatalf("the factor went before the confirmation")
			}
			cto, cv, _ := p.Action(action)
			if cv.Get("confirm") != "yes" {
				t.Fatalf("the confirmation does not post confirm=yes: %v", cv)
			}
			p = b.Post(cto, cv)
			break
		}
	}
	if strings.Contains(p.Body, "Phone") {
		t.Errorf("factor not removed: %.800s", p.Body)
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.signIn(e.rp("rp1"), b, "gckey", "alex")
	old := e.recovery["gckey/alex"]
	p := e.openSecurity(b, "gckey/alex")
	to, v, _ := p.Action("/account/security/recovery")
	p = b.Post(to, v)
	fresh := testbrowser.RecoveryCodes(p)
	if len(fresh) != 10 {
		t.Fatalf("new codes shown: %d", len(fresh))
	}
	// An old code no longer works; a new one does.
	b2 := e.browser()
	r := e.rp("rp1")
	a := r.start()
	p = b2.upstreamPost(b2.choose(b2.Get(a.url), "gckey"), "alex")
	p = b2.Get(e.issuer + regexpFind(p.Body, `href="(/login/[^"]+/mfa/recovery)"`))
	to, v, _ = p.Action("/mfa/recovery")
	v.Set("code", old[0])
	if bad := b2.Post(to, v); bad.Resp.StatusCode != http.StatusBadRequest {
		t.Errorf("old recovery code after regeneration: %d", bad.Resp.StatusCode)
	}
	v.Set("code", fresh[0])
	if p = b2.Post(to, v); !strings.Contains(p.Body, "/mfa/enrol/") {
		t.Errorf("new recovery code refused: %d", p.Resp.StatusCode)
	}
}

func factorIDOf(body, name string) string {
	i := strings.Index(body, ">"+name+"</h3>")
	if i < 0 {
		return "none"
	}
	j := strings.LastIndex(body[:i], `id="factor-`)
	id := body[j+len(`id="factor-`):]
	return id[:strings.Index(id, `"`)]
}

func regexpMatch(s, pattern string) bool { return regexpFind(s, "("+pattern+")") != "" }

package broker_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/legacy"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/store"
)

// legacyClients is rp2 with the legacy step, its claim named claim.
func legacyClients(claim string) func(*broker.Config) {
	return func(c *broker.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == "rp2" {
				c.Clients[i].Steps = []string{legacy.Name}
				c.Clients[i].Legacy = &legacy.Config{Claim: claim}
			}
		}
	}
}

// importLegacy imports rp2's legacy accounts: L-100 "Marie.Tremblay"
// (bcrypt of "vieux-mot"), L-200 "jlee" (PBKDF2 of "ancien", written by
// Python's hashlib).
func importLegacy(t *testing.T, e *env) {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("vieux-mot"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	err = e.store.ImportLegacyAccounts(t.Context(), []store.LegacyAccount{
		{ClientID: "rp2", LegacyID: "L-100", Username: "Marie.Tremblay", PasswordHash: string(h)},
		{ClientID: "rp2", LegacyID: "L-200", Username: "jlee",
			PasswordHash: "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$F9ywWZQbTF12HjyFZXZGF5syfwv/7LQXRlAOXn2RGhI"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// legacyAnswer posts decision (link with username and password, or none)
// on the legacy page p.
func legacyAnswer(t *testing.T, b *browser, p page, decision, username, password string) page {
	t.Helper()
	if !strings.HasSuffix(p.Resp.Request.URL.Path, "/step/legacy") {
		t.Fatalf("expected the legacy account page, landed on %s (%d): %.400s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	v := url.Values{"csrf": {csrfOf(t, p)}, "decision": {decision}}
	if decision == "link" {
		v.Set("username", username)
		v.Set("password", password)
	}
	return b.Post(p.Resp.Request.URL.String(), v)
}

// failures is the failure count of the account user signs in to with gckey.
func (e *env) failures(user string) int {
	e.t.Helper()
	return e.accountOf(user).Failures
}

func (e *env) accountOf(user string) store.Account {
	e.t.Helper()
	l, err := e.store.GetLink(e.t.Context(), "gckey", upstreamSubject(e.t.(*testing.T), e, "gckey", user))
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.store.GetAccount(e.t.Context(), l.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// errorOf is the error summary's text of p.
func errorOf(p page) string {
	i := strings.Index(p.Body, `class="error-summary"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(p.Body[i:], "</div>")
	return p.Body[i : i+j]
}

// TestLegacyAccountLink: at the first sign-in to the client, after the
// second factor, the person types their former username and password;
// a wrong one is counted on the account and answered like an unknown
// username; the right one links the legacy ID, which the client receives
// as its configured claim from then on, without being asked again.
func TestLegacyAccountLink(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, legacyClients("ipo_client"))
	importLegacy(t, e)
	r := e.rp("rp2")
	b := e.browser()
	a := r.start()
	p := b.upstreamLogin(b.choose(b.Get(a.url), "gckey"), "alex")
	if !strings.Contains(p.Body, "Username of your former account") {
		t.Fatalf("the legacy page is not shown: %.600s", p.Body)
	}
	before := e.failures("alex")
	wrong := legacyAnswer(t, b, p, "link", "marie.tremblay", "not-it")
	unknown := legacyAnswer(t, b, wrong, "link", "nobody", "not-it")
	for _, q := range []page{wrong, unknown} {
		if q.Resp.StatusCode != http.StatusOK || !strings.Contains(errorOf(q), "The username or password is not that of an account") {
			t.Fatalf("a wrong answer: %d %s", q.Resp.StatusCode, errorOf(q))
		}
	}
	if errorOf(wrong) != errorOf(unknown) {
		t.Errorf("a wrong password and an unknown username answer differently:\n%s\n%s", errorOf(wrong), errorOf(unknown))
	}
	if got := e.failures("alex"); got != before+2 {
		t.Errorf("failures = %d, want %d: wrong legacy answers count on the account", got, before+2)
	}
	empty := legacyAnswer(t, b, unknown, "link", "", "")
	if !strings.Contains(empty.Body, "Enter the username of your former account.") || e.failures("alex") != before+2 {
		t.Errorf("an empty answer: %s, failures %d", errorOf(empty), e.failures("alex"))
	}
	q := r.callback(legacyAnswer(t, b, empty, "link", "  MARIE.TREMBLAY ", "vieux-mot"), a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims["ipo_client"] != "L-100" {
		t.Errorf("ID token claims %v: want ipo_client L-100", tok.claims)
	}
	if info := e.userinfo(tok.AccessToken); info["ipo_client"] != "L-100" {
		t.Errorf("userinfo %v: want ipo_client L-100", info)
	}
	if e.failures("alex") != before+2 {
		t.Errorf("the right legacy password cleared the failures (%d): it proves the legacy account, not the person", e.failures("alex"))
	}
	// Asked once: the next sign-in goes straight through, claim included.
	if tok := e.signIn(r, b, "gckey", "alex"); tok.claims["ipo_client"] != "L-100" {
		t.Errorf("second sign-in claims %v", tok.claims)
	}
	// Another client does not see it.
	if tok := e.signIn(e.rp("rp1"), b, "gckey", "alex"); tok.claims["ipo_client"] != nil {
		t.Errorf("rp1 received the legacy ID of rp2: %v", tok.claims)
	}
	events, err := e.store.ListAudit(t.Context(), e.clock.Now().Add(-1e12), 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range events {
		if strings.HasPrefix(ev.Kind, "legacy.") {
			kinds = append(kinds, ev.Kind+"/"+ev.Outcome+"/"+ev.Detail["legacy_id"])
		}
	}
	slices.Sort(kinds) // the test clock stands still: events share a time
	if want := "legacy.link/failure/ legacy.link/failure/ legacy.link/success/L-100"; strings.Join(kinds, " ") != want {
		t.Errorf("audit %q, want %q", strings.Join(kinds, " "), want)
	}
}

// TestLegacyAccountOnce: a legacy account linked to one account is
// refused to another, even with its password; "I never had an account"
// goes on without a claim and is not asked again.
func TestLegacyAccountOnce(t *testing.T) {
	e := newEnvWith(t, demoidp.Faults{}, legacyClients(""))
	importLegacy(t, e)
	r := e.rp("rp2")
	alex := e.browser()
	a := r.start()
	p := alex.upstreamLogin(alex.choose(alex.Get(a.url), "gckey"), "alex")
	r.callback(legacyAnswer(t, alex, p, "link", "jlee", "ancien"), a)

	sam := e.browser()
	a = r.start()
	p = sam.upstreamLogin(sam.choose(sam.Get(a.url), "gckey"), "sam")
	taken := legacyAnswer(t, sam, p, "link", "jlee", "ancien")
	if !strings.Contains(errorOf(taken), "already joined to another person") {
		t.Fatalf("a taken legacy account: %s", errorOf(taken))
	}
	q := r.callback(legacyAnswer(t, sam, taken, "none", "", ""), a)
	tok, err := r.exchange(q.Get("code"), a)
	if err != nil {
		t.Fatal(err)
	}
	if tok.claims[legacy.DefaultClaim] != nil {
		t.Errorf("no legacy account, yet claims %v", tok.claims)
	}
	if tok := e.signIn(r, sam, "gckey", "sam"); tok.claims[legacy.DefaultClaim] != nil {
		t.Errorf("asked again, or a claim: %v", tok.claims)
	}
	if tok := e.signIn(r, alex, "gckey", "alex"); tok.claims[legacy.DefaultClaim] != "L-200" {
		t.Errorf("alex's claims %v", tok.claims)
	}
}

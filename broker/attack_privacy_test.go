package broker_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
)

// Triple-blind (DESIGN.md, "Identifiers and privacy"; seed 004: the bank
// shares nothing with the department). The harness's banks overshare:
// they put email and name in their ID token and UserInfo answer whatever
// they are asked. Passerelle asks them for openid only, and passes what
// they give to a relying party only when the provider's release_claims
// and the client's upstream_claims both allow it.

// upstreamClaimNames are the claims of the account that an upstream gave.
var upstreamClaimNames = []string{"email", "email_verified", "name", "given_name", "family_name"}

// privacy is the harness with bank-a's release_claims and rp1's
// upstream_claims as a test sets them.
type privacy struct {
	*env
	clients []broker.ClientConfig
}

// newPrivacy builds the harness with bank-a releasing release and rp1
// receiving receive.
func newPrivacy(t *testing.T, release, receive []string) *privacy {
	t.Helper()
	clients := slices.Clone(testClients)
	clients[0].UpstreamClaims = receive // rp1
	p := &privacy{clients: clients}
	p.env = newEnvWith(t, demoidp.Faults{}, func(c *broker.Config) { c.Clients = slices.Clone(clients) })
	p.release(release)
	return p
}

// release reloads the configuration with bank-a releasing claims, as a
// SIGHUP after an edit of providers[].release_claims would.
func (p *privacy) release(claims []string) {
	p.t.Helper()
	ups := slices.Clone(p.ups)
	for i := range ups {
		if ups[i].ID == "bank-a" {
			ups[i].ReleaseClaims = claims
		}
	}
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"}}}
	if err := p.broker.Reload(slices.Clone(p.clients), groups, ups); err != nil {
		p.t.Fatal(err)
	}
	p.ups = ups
}

// userinfo fetches the UserInfo answer for an access token as raw claims.
func (e *env) userinfo(access string) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var claims map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&claims) != nil {
		e.t.Fatalf("userinfo: %d", resp.StatusCode)
	}
	return claims
}

// present lists the upstream claims found in claims.
func present(claims map[string]any) []string {
	var got []string
	for _, k := range upstreamClaimNames {
		if _, ok := claims[k]; ok {
			got = append(got, k)
		}
	}
	return got
}

// askedOpenIDOnly fails unless every authorization request upstream
// asked the scope openid and nothing else.
func askedOpenIDOnly(t *testing.T, e *env, upstream string) {
	t.Helper()
	reqs := e.upstream[upstream].requests()
	if len(reqs) == 0 {
		t.Fatalf("%s saw no authorization request", upstream)
	}
	for _, r := range reqs {
		if s := r.URL.Query().Get("scope"); s != "openid" {
			t.Errorf("%s was asked scope %q, want openid only", upstream, s)
		}
	}
}

// TestPrivacyBankSharesNothingByDefault: with the default configuration a
// bank is asked for openid only, and what it sends anyway (email, name)
// reaches neither the ID token, nor userinfo, nor introspection.
func TestPrivacyBankSharesNothingByDefault(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1") // asks openid profile email offline_access
	tok := e.signIn(r, e.browser(), "bank-a", "alex")
	askedOpenIDOnly(t, e, "bank-a")
	if got := present(tok.claims); got != nil {
		t.Errorf("ID token carries the bank's %v", got)
	}
	if got := present(e.userinfo(tok.AccessToken)); got != nil {
		t.Errorf("userinfo carries the bank's %v", got)
	}
	if got := present(e.introspect(tok.AccessToken)); got != nil {
		t.Errorf("introspection carries the bank's %v", got)
	}
	// A refreshed ID token neither.
	next, err := e.refresh(r, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := r.verify(next, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := present(refreshed.claims); got != nil {
		t.Errorf("refreshed ID token carries the bank's %v", got)
	}
}

// TestPrivacyBankClaimsReleasedWhenBothAllow: bank-a releases email and
// name and rp1 may receive them: userinfo and introspection answer what
// the bank sent (though it was asked openid only), the ID token of the
// code flow still carries no profile claim.
func TestPrivacyBankClaimsReleasedWhenBothAllow(t *testing.T) {
	p := newPrivacy(t, []string{"email", "name"}, []string{"email", "name"})
	tok := p.signIn(p.rp("rp1"), p.browser(), "bank-a", "alex")
	askedOpenIDOnly(t, p.env, "bank-a")
	ui := p.userinfo(tok.AccessToken)
	if ui["email"] != "alex@example.org" || ui["email_verified"] != true || ui["given_name"] != "Alex" ||
		ui["family_name"] != "T" || ui["name"] != "Alex T" {
		t.Errorf("userinfo = %v, want the bank's email and name", ui)
	}
	if in := p.introspect(tok.AccessToken); in["email"] != "alex@example.org" || in["name"] != "Alex T" {
		t.Errorf("introspection = %v, want the bank's email and name", in)
	}
	if got := present(tok.claims); got != nil {
		t.Errorf("ID token carries %v; profile claims belong to userinfo", got)
	}
}

// TestPrivacyOneSideIsNotEnough: a claim reaches the relying party only
// when the provider releases it, the client may receive it, and the
// grant's scopes ask for it; each alone withholds it.
func TestPrivacyOneSideIsNotEnough(t *testing.T) {
	both := []string{"email", "name"}
	for _, tc := range []struct {
		name             string
		release, receive []string
		scopes           []string // rp1's; the harness's when nil
		want             []string
	}{
		{name: "provider only", release: both},
		{name: "client only", receive: both},
		{name: "different claims on each side", release: []string{"email"}, receive: []string{"name"}},
		{name: "email on both sides, name on one", release: both, receive: []string{"email"},
			want: []string{"email", "email_verified"}},
		{name: "both allow, scopes do not ask", release: both, receive: both, scopes: []string{"openid"}},
		{name: "both allow, profile scope only", release: both, receive: both, scopes: []string{"openid", "profile"},
			want: []string{"name", "given_name", "family_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPrivacy(t, tc.release, tc.receive)
			r := p.rp("rp1")
			if tc.scopes != nil {
				r.cfg.Scopes = tc.scopes
			}
			tok := p.signIn(r, p.browser(), "bank-a", "alex")
			if got := present(p.userinfo(tok.AccessToken)); !slices.Equal(got, tc.want) {
				t.Errorf("userinfo carries %v, want %v", got, tc.want)
			}
			if got := present(tok.claims); got != nil {
				t.Errorf("ID token carries %v", got)
			}
		})
	}
}

// TestPrivacyReleaseFollowsConfiguration: the rule is read at every
// answer, so a token issued under one configuration gets the next one's
// answer; and another bank than the releasing one stays blind.
func TestPrivacyReleaseFollowsConfiguration(t *testing.T) {
	p := newPrivacy(t, nil, []string{"email", "name"})
	tok := p.signIn(p.rp("rp1"), p.browser(), "bank-a", "alex")
	if got := present(p.userinfo(tok.AccessToken)); got != nil {
		t.Fatalf("userinfo carries %v before bank-a releases anything", got)
	}
	p.release([]string{"email"})
	if got := present(p.userinfo(tok.AccessToken)); !slices.Equal(got, []string{"email", "email_verified"}) {
		t.Errorf("after bank-a releases email, userinfo carries %v", got)
	}
	p.release(nil)
	if got := present(p.userinfo(tok.AccessToken)); got != nil {
		t.Errorf("after bank-a stops releasing, userinfo carries %v", got)
	}
	// bank-b releases nothing: the same client learns nothing of sam.
	p.release([]string{"email", "name"})
	other := p.signIn(p.rp("rp1"), p.browser(), "bank-b", "sam")
	if got := present(p.userinfo(other.AccessToken)); got != nil {
		t.Errorf("bank-b's claims reached rp1: %v", got)
	}
}

// TestPrivacyPasserellesOwnEmailIsReleased: an address the person
// confirmed on the account page, or typed into the built-in service, is
// Passerelle's own and follows the scopes alone; the bank's name stays
// withheld.
func TestPrivacyPasserellesOwnEmailIsReleased(t *testing.T) {
	t.Run("confirmed on the account page", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		tok := e.signIn(e.rp("rp1"), b, "bank-a", "alex")
		p := e.openAccount(b, "bank-a/alex")
		to, v, _ := p.Action("/account/email")
		v.Set("email", "alex.own@example.org")
		p = b.Post(to, v)
		cto, cv, ok := p.Action("/account/email/confirm")
		if !ok {
			t.Fatalf("no code page for the new address: %s", p.Resp.Request.URL)
		}
		cv.Set("code", e.lastCode("alex.own@example.org"))
		b.Post(cto, cv)
		ui := e.userinfo(tok.AccessToken)
		if ui["email"] != "alex.own@example.org" || ui["email_verified"] != true {
			t.Errorf("userinfo = %v, want the address confirmed with Passerelle", ui)
		}
		if ui["name"] != nil || ui["given_name"] != nil {
			t.Errorf("the bank's name reached userinfo: %v", ui)
		}
	})
	t.Run("typed into the built-in service", func(t *testing.T) {
		e := newEnv(t)
		r := e.rp("rp1")
		b := e.browser()
		a := r.start()
		q := r.callback(b.totpMFA(b.register(b.localPage(a.url), "omar", "omar@example.org"), "local/omar"), a)
		tok, err := r.exchange(q.Get("code"), a)
		if err != nil {
			t.Fatal(err)
		}
		if ui := e.userinfo(tok.AccessToken); ui["email"] != "omar@example.org" || ui["email_verified"] != true {
			t.Errorf("userinfo = %v, want the address typed into the built-in service", ui)
		}
	})
}

// TestAttackClaimsParameterDoesNotWidenRelease: a relying party that asks
// for the bank's claims with the claims request parameter (OIDC Core
// §5.5) gets nothing more than its configuration allows.
func TestAttackClaimsParameterDoesNotWidenRelease(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	ask := `{"id_token":{"email":{"essential":true},"name":null},"userinfo":{"email":{"essential":true},"given_name":null,"family_name":null}}`
	tok := e.signIn(r, e.browser(), "bank-a", "alex", oauth2.SetAuthURLParam("claims", ask))
	if got := present(tok.claims); got != nil {
		t.Errorf("ID token carries %v", got)
	}
	if got := present(e.userinfo(tok.AccessToken)); got != nil {
		t.Errorf("userinfo carries %v", got)
	}
	if strings.Contains(tok.raw, "alex@example.org") {
		t.Error("the bank's email is in the ID token")
	}
}

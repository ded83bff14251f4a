package broker_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
)

// describedBy is the text of the element whose id the button named
// label points at with aria-describedby ("" when none).
func describedBy(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<button[^>]*aria-describedby="([^"]+)"[^>]*>(?:<img[^>]*>)?<span>` + regexp.QuoteMeta(label) + `</span></button>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	d := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(m[1]) + `">([^<]*)<`).FindStringSubmatch(body)
	if d == nil {
		return ""
	}
	return d[1]
}

// TestChoicesDescribed: every sign-in choice carries its configured
// description, in the page's language, tied to its button
// (aria-describedby); a bank's configured logo is in its button,
// served from /static/; and the second-factor choices say what each is
// and which is stronger.
func TestChoicesDescribed(t *testing.T) {
	e := newEnv(t)
	ups := append([]broker.Upstream(nil), e.ups...)
	for i := range ups {
		switch ups[i].ID {
		case "gckey":
			ups[i].Description = map[string]string{"en": "Your government username.", "fr": "Votre nom d’utilisateur du gouvernement."}
		case "bank-a":
			ups[i].Description = map[string]string{"en": "A bank for tests.", "fr": "Une banque pour les tests."}
			ups[i].Logo = "demo/bank-maple.svg"
		}
	}
	groups := []broker.GroupConfig{{ID: "partners", Name: map[string]string{"en": "Sign-In Partner", "fr": "Partenaire de connexion"},
		Description: map[string]string{"en": "Your online banking.", "fr": "Vos services bancaires en ligne."}}}
	if err := e.broker.Reload(append([]broker.ClientConfig(nil), testClients...), groups, ups); err != nil {
		t.Fatal(err)
	}
	r := e.rp("rp1")
	for _, tc := range []struct {
		lang, gckey, gckeyText, partners, partnersText, bankText string
	}{
		{"en", "gckey EN", "Your government username.", "Sign-In Partner", "Your online banking. You will choose your bank on the next page.", "A bank for tests."},
		{"fr", "gckey FR", "Votre nom d’utilisateur du gouvernement.", "Partenaire de connexion", "Vos services bancaires en ligne. Vous choisirez votre banque à la page suivante.", "Une banque pour les tests."},
	} {
		b := e.browser()
		p := b.Get(r.start(oauth2.SetAuthURLParam("ui_locales", tc.lang)).url)
		if got := describedBy(t, p.Body, tc.gckey); got != tc.gckeyText {
			t.Errorf("%s chooser: %q described by %q, want %q\n%.3000s", tc.lang, tc.gckey, got, tc.gckeyText, p.Body)
		}
		if got := describedBy(t, p.Body, tc.partners); got != tc.partnersText {
			t.Errorf("%s chooser: %q described by %q, want %q", tc.lang, tc.partners, got, tc.partnersText)
		}
		p = b.choose(p, "partners")
		bankA := regexp.MustCompile(`(?s)<button[^>]*>(<img[^>]*>)<span>bank-a ` + strings.ToUpper(tc.lang) + `</span></button>`).FindStringSubmatch(p.Body)
		if bankA == nil || bankA[1] != `<img src="/static/demo/bank-maple.svg" alt="" width="40" height="40">` {
			t.Errorf("%s bank list: bank-a's button and logo: %v\n%.3000s", tc.lang, bankA, p.Body)
		}
		if got := describedBy(t, p.Body, "bank-a "+strings.ToUpper(tc.lang)); got != tc.bankText {
			t.Errorf("%s bank list: bank-a described by %q, want %q", tc.lang, got, tc.bankText)
		}
		if strings.Contains(p.Body, `<img src="/static/demo/bank-maple.svg" alt="" width="40" height="40"><span>bank-b`) {
			t.Errorf("%s bank list: bank-b has bank-a's logo", tc.lang)
		}
		if logo := b.Get(e.issuer + "/static/demo/bank-maple.svg"); logo.Resp.StatusCode != 200 || !strings.Contains(logo.Body, "Placeholder logo") {
			t.Errorf("the placeholder logo: %d", logo.Resp.StatusCode)
		}
	}
}

// TestFactorChoicesDescribed: the second-factor set-up page says under
// each kind what it is and which is stronger, in the page's language
// (the catalogue's mfa.about.<kind>, tied to its button).
func TestFactorChoicesDescribed(t *testing.T) {
	e := newEnv(t)
	r := e.rp("rp1")
	for _, lang := range []string{"en", "fr"} {
		raw, err := os.ReadFile("ui/messages/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(raw, &msgs); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		p := b.upstreamPost(b.choose(b.Get(r.start(oauth2.SetAuthURLParam("ui_locales", lang)).url), "gckey"), "alex")
		shown := 0
		for _, kind := range []string{"webauthn", "totp", "email"} {
			if !strings.Contains(p.Body, "<span>"+msgs["mfa.kind."+kind]+"</span>") {
				continue
			}
			shown++
			if got := describedBy(t, p.Body, msgs["mfa.kind."+kind]); got != msgs["mfa.about."+kind] {
				t.Errorf("%s: %s described by %q, want %q", lang, kind, got, msgs["mfa.about."+kind])
			}
		}
		if shown < 2 {
			t.Fatalf("%s: %d factor kinds offered at %s: %.3000s", lang, shown, p.Resp.Request.URL, p.Body)
		}
	}
}

package broker_test

import (
	"testing"

	"golang.org/x/oauth2"
)

// TestSAMLBelowTheLevelAsked (seed 003 over SAML): a relying party needs
// loa3 of a person whose GCKey (SAML) identity is only at loa2. Passerelle
// asks the IdP for loa3 (RequestedAuthnContext). An IdP that honours the
// request answers NoAuthnContext; one that ignores it asserts loa2 all
// the same. Either way the person gets the page, in English or French,
// that says the level was not reached and offers to sign in again; the
// refusal is audited; and nothing follows it: no code, no account, no
// second factor asked. Never a silent downgrade to loa2.
func TestSAMLBelowTheLevelAsked(t *testing.T) {
	for _, tc := range []struct {
		name    string
		enforce bool
	}{{"IdP answers NoAuthnContext", true}, {"IdP asserts loa2 anyway", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e, idp := newSAMLEnv(t, loa2, loa3)
			idp.idp.EnforceRequestedAuthnContext = tc.enforce
			r := e.rp("rp1")
			for _, lang := range []string{"en", "fr"} {
				b := e.browser()
				p, id := b.openSignIn(r, oauth2.SetAuthURLParam("acr_values", loa3), oauth2.SetAuthURLParam("ui_locales", lang))
				p = samlAnswer(t, b, b.choose(p, "gckey-saml"))
				e.checkRefusedBelowLevel(b, p, id, lang, map[string]string{"en": "GCKey (SAML)", "fr": "CléGC (SAML)"}[lang])
			}
			if n := e.auditCount("signin", "upstream_assurance"); n != 2 {
				t.Errorf("%d refusals audited, want 2", n)
			}
			if n := e.auditCount("account.create", "success"); n != 0 {
				t.Errorf("%d accounts created", n)
			}
		})
	}
}

// samlAnswer follows the IdP's answer from its page p to the broker's
// page after the ACS.
func samlAnswer(t *testing.T, b *browser, p page) page {
	t.Helper()
	to, v, ok := p.Action("/callback/gckey-saml")
	if !ok || v.Get("SAMLResponse") == "" {
		t.Fatalf("no SAMLResponse form to the ACS on %s (%d): %.600s", p.Resp.Request.URL, p.Resp.StatusCode, p.Body)
	}
	return postACS(b, b.Post(to, v))
}

package saml

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"

	"github.com/passerelle/passerelle/providers"
)

// setText sets the text of the element at path below a.
func setText(t *testing.T, a *etree.Element, text string, tags ...string) {
	t.Helper()
	el := path(a, tags...)
	if el == nil {
		t.Fatalf("no %v", tags)
	}
	el.SetText(text)
}

func setAttr(t *testing.T, a *etree.Element, name, value string, tags ...string) {
	t.Helper()
	el := path(a, tags...)
	if el == nil {
		t.Fatalf("no %v", tags)
	}
	el.CreateAttr(name, value)
}

// wantRefused fails t unless err is want and names why: the check that
// refused, so a test still fails if that check is removed and another
// one happens to refuse instead.
func wantRefused(t *testing.T, err, want error, why string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v; want %v (%q)", err, want, why)
	}
	if !strings.Contains(err.Error(), why) {
		t.Fatalf("refused for another reason than %q: %v", why, err)
	}
}

// TestForgeryControl: the forging harness itself yields an accepted
// response when it changes nothing but re-signs with the IdP's key, so
// every refusal below is the check it names, not a broken harness.
func TestForgeryControl(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	o := openForm(t, ti.signIn(flow))
	if _, _, err := ti.post(flow, o.form(false, sign(t, o.assertionCopy(), idpKey))); err != nil {
		t.Fatalf("a re-signed genuine assertion was refused: %v", err)
	}
}

func TestAttacksRefused(t *testing.T) {
	soon := func() string { return time.Now().Add(-90 * time.Second).UTC().Format(time.RFC3339) }
	cases := []struct {
		name  string
		forge func(t *testing.T, ti *testIdP, o *opened) url.Values
		want  error
		why   string // what the refusal names: the check itself
	}{
		{"unsigned assertion", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			return o.form(false, unsign(o.assertionCopy()))
		}, providers.ErrUpstream, "signature element not present"},
		{"assertion signed by another key", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setText(t, a, "pai-victim", "Subject", "NameID")
			return o.form(false, sign(t, a, evilKey))
		}, providers.ErrUpstream, "Could not verify certificate against trusted certs"},
		{"signed content changed (signature kept)", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setText(t, a, "pai-victim", "Subject", "NameID")
			return o.form(false, a)
		}, providers.ErrUpstream, "Signature could not be verified"},
		{"wrapping: unsigned assertion enveloping the signed one", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			evil := unsign(o.assertionCopy())
			evil.CreateAttr("ID", "_evil")
			setText(t, evil, "pai-victim", "Subject", "NameID")
			evil.AddChild(o.assertionCopy())
			return o.form(false, evil)
		}, providers.ErrUpstream, "signature element not present"},
		{"wrapping: signed assertion moved into Advice, same ID on the evil one", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			evil := o.assertionCopy() // keeps the genuine Signature element, whose reference it now fails
			setText(t, evil, "pai-victim", "Subject", "NameID")
			advice := evil.CreateElement(evil.Space + ":Advice")
			advice.AddChild(o.assertionCopy())
			return o.form(false, evil)
		}, providers.ErrUpstream, "Signature could not be verified"},
		{"wrapping: a second, unsigned assertion beside the signed one", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			evil := unsign(o.assertionCopy())
			evil.CreateAttr("ID", "_evil")
			setText(t, evil, "pai-victim", "Subject", "NameID")
			return o.form(false, evil, o.assertionCopy())
		}, providers.ErrUpstream, "2 assertions"},
		{"assertion sent unencrypted", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			return o.form(true, o.assertionCopy())
		}, providers.ErrUpstream, "arrived unencrypted"},
		{"wrong audience", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setText(t, a, "https://other-sp.example/metadata", "Conditions", "AudienceRestriction", "Audience")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "AudienceRestriction"},
		{"wrong recipient", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setAttr(t, a, "Recipient", "https://other-sp.example/acs", "Subject", "SubjectConfirmation", "SubjectConfirmationData")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "Recipient"},
		{"wrong issuer", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setText(t, a, "https://other-idp.example/metadata", "Issuer")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "issuer is not"},
		{"expired beyond the configured skew (within the library's)", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setAttr(t, a, "NotOnOrAfter", soon(), "Conditions")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "assertion expired at"},
		{"transient NameID", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setAttr(t, a, "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "Subject", "NameID")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "not persistent"},
		{"NameID qualified by another IdP", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setAttr(t, a, "NameQualifier", "https://other-idp.example/metadata", "Subject", "NameID")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "qualifiers"},
		{"level not requested", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			a := o.assertionCopy()
			setText(t, a, LoA1, "AuthnStatement", "AuthnContext", "AuthnContextClassRef")
			return o.form(false, sign(t, a, idpKey))
		}, providers.ErrUpstream, "AuthnContextClassRef"},
		{"wrong destination", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			o.response.Root().CreateAttr("Destination", "https://other-sp.example/acs")
			return o.form(false, o.assertionCopy())
		}, providers.ErrUpstream, "is not the ACS"},
		{"wrong RelayState", func(t *testing.T, ti *testIdP, o *opened) url.Values {
			o.relay = testFlow("2").State
			return o.form(false, o.assertionCopy())
		}, providers.ErrState, "RelayState"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ti := newTestIdP(t, env{})
			flow := testFlow("1")
			o := openForm(t, ti.signIn(flow))
			ident, _, err := ti.post(flow, tc.forge(t, ti, o))
			if err == nil {
				t.Fatalf("got identity %+v; want %v", ident, tc.want)
			}
			wantRefused(t, err, tc.want, tc.why)
		})
	}
}

// TestCommentInNameID: a comment inside the NameID leaves the signature
// valid (exclusive c14n drops comments); the subject must then be the
// whole value, never the part before the comment (CVE-2017-11427 class).
func TestCommentInNameID(t *testing.T) {
	ti := newTestIdP(t, env{})
	ti.nameID = "pai-victim.evil"
	flow := testFlow("1")
	o := openForm(t, ti.signIn(flow))
	a := o.assertionCopy()
	n := path(a, "Subject", "NameID")
	n.SetText("pai-victim")
	n.CreateComment("")
	n.CreateText(".evil")
	ident, _, err := ti.post(flow, o.form(false, a))
	if err == nil && !strings.HasSuffix(ident.Subject, "!pai-victim.evil") {
		t.Fatalf("subject %q: the comment truncated the NameID", ident.Subject)
	}
	t.Log(ident.Subject, err)
}

func TestResponseForAnotherSignIn(t *testing.T) {
	ti := newTestIdP(t, env{})
	mine, theirs := testFlow("1"), testFlow("2")
	form := ti.signIn(theirs)
	// The attacker posts another auth request's response into this one,
	// with this one's RelayState.
	form.Set("RelayState", mine.State)
	_, _, err := ti.post(mine, form)
	wantRefused(t, err, providers.ErrUpstream, "InResponseTo")
}

func TestReplayRefused(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	form := ti.signIn(flow)
	if _, _, err := ti.post(flow, form); err != nil {
		t.Fatal(err)
	}
	_, _, err := ti.post(flow, form)
	wantRefused(t, err, providers.ErrUpstream, "already been used")
	if !errors.Is(err, crewsaml.ErrAssertionReplayed) {
		t.Fatalf("refused as %v, not as a replay", err)
	}
}

func TestExpiredRefused(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	form := ti.signIn(flow)
	ti.offset = 10 * time.Minute
	_, _, err := ti.post(flow, form)
	wantRefused(t, err, providers.ErrUpstream, "expired")
}

func TestHostileDocuments(t *testing.T) {
	ti := newTestIdP(t, env{})
	flow := testFlow("1")
	acs := ti.urls().Callback
	resp := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="` + acs + `">`
	docs := map[string][]byte{
		"billion laughs": []byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
			resp + `&lol2;</samlp:Response>`),
		"XXE":            []byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + resp + `&xxe;</samlp:Response>`),
		"10 MB":          append(append([]byte(resp), bytes.Repeat([]byte("<a/>"), 10<<20/4)...), "</samlp:Response>"...),
		"deep":           []byte(resp + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</samlp:Response>"),
		"not a Response": []byte(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`),
		"two roots":      []byte(resp + "</samlp:Response>" + resp + "</samlp:Response>"),
	}
	for name, raw := range docs {
		t.Run(name, func(t *testing.T) {
			if _, _, err := ti.post(flow, rawForm(raw, flow.State)); !errors.Is(err, providers.ErrUpstream) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, acs+"?"+rawForm([]byte(resp), flow.State).Encode(), nil)
		if _, _, err := ti.p.HandleResponse(t.Context(), flow, r); !errors.Is(err, providers.ErrState) {
			t.Fatalf("got %v", err)
		}
	})
}

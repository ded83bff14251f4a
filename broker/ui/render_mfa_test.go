package ui

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const (
	sampleQR     = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
	sampleSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
	// sampleOptions holds everything an attribute value must escape.
	sampleOptions = `{"challenge":"a<b>&c","rp":{"name":"Passerelle \"x\" 'y'"},"user":{"name":"</script><script>alert(1)</script>"},"n":"é\u2028"}`
)

var sampleFactors = []FactorRow{
	{ID: "f1", Kind: "totp", Name: "Work phone", Added: "2025-01-02", LastUsed: "2025-03-04", RenameAction: "/security/f1/rename", RemoveAction: "/security/f1/remove"},
	{ID: "f2", Kind: "webauthn", Added: "2025-01-05", RenameAction: "/security/f2/rename"},
	{ID: "f3", Kind: "email", Name: "Mail", Detail: "a•••@example.org", RenameAction: "/security/f3/rename", RemoveAction: "/security/f3/remove", ChangeAction: "/security/f3/change"},
}

// renderPage renders page and parses it; the render must succeed.
func renderPage(t *testing.T, u *UI, lang, page string, data any) (string, []*elem) {
	t.Helper()
	w := httptest.NewRecorder()
	u.Render(w, httptest.NewRequest(http.MethodGet, "/mfa/x", nil), http.StatusOK, lang, page, data)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return w.Body.String(), parsePage(t, w.Body.String())
}

func byID(t *testing.T, all []*elem, id string) *elem {
	t.Helper()
	e := elemByID(all, id)
	if e == nil {
		t.Fatalf("no element with id %q", id)
	}
	return e
}

func h1Text(all []*elem) string { return strings.TrimSpace(find(all, "h1")[0].text.String()) }

func TestWebAuthnPage(t *testing.T) {
	u := newUI(t, true)
	for _, register := range []bool{false, true} {
		for _, lang := range supported {
			body, all := renderPage(t, u, lang, PageWebAuthn, &WebAuthnData{Register: register, OptionsJSON: sampleOptions, Action: "/mfa/key"})
			if strings.Contains(body, "</script><script>alert") {
				t.Errorf("options JSON not escaped:\n%s", body)
			}
			forms := find(all, "form")
			if len(forms) != 1 {
				t.Fatalf("%d forms", len(forms))
			}
			mode, title, button := "login", "webauthn.login.title", "webauthn.login.submit"
			if register {
				mode, title, button = "register", "webauthn.register.title", "webauthn.register.submit"
			}
			if forms[0].attrs["data-webauthn"] != mode || forms[0].attrs["action"] != "/mfa/key" {
				t.Errorf("form %v, want data-webauthn=%q", forms[0].attrs, mode)
			}
			if h1Text(all) != u.T(lang, title) || strings.TrimSpace(find(all, "button")[0].text.String()) != u.T(lang, button) {
				t.Errorf("%s: heading %q or button wrong", mode, h1Text(all))
			}
			hidden := map[string]string{}
			for _, in := range find(all, "input") {
				if in.attrs["type"] == "hidden" {
					hidden[in.attrs["name"]] = in.attrs["value"]
				}
			}
			if hidden["options"] != sampleOptions {
				t.Errorf("options did not survive the attribute:\n got %q\nwant %q", hidden["options"], sampleOptions)
			}
			if v, ok := hidden["response"]; !ok || v != "" {
				t.Errorf("want an empty hidden response field, got %q, %v", v, ok)
			}
			if _, ok := hidden["csrf"]; !ok {
				t.Errorf("no csrf field")
			}
			var errs []*elem
			for _, e := range all {
				if e.has("data-webauthn-error") {
					errs = append(errs, e)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("want one data-webauthn-error element, got %d", len(errs))
			}
			e := errs[0]
			if e.attrs["data-msg-en"] != u.T("en", "webauthn.error") || e.attrs["data-msg-fr"] != u.T("fr", "webauthn.error") ||
				e.attrs["tabindex"] != "-1" || e.attrs["role"] != "alert" || !e.has("hidden") || !within(e, "form") || e.text.Len() != 0 {
				t.Errorf("error element %v", e.attrs)
			}
			if got := e.attrs["data-msg-fr-invalidstateerror"]; register != (got == u.T("fr", "webauthn.error.registered")) {
				t.Errorf("register=%v: invalidstateerror message %q", register, got)
			}
			var name bool
			for _, in := range find(all, "input") {
				name = name || in.attrs["name"] == "name"
			}
			if name != register {
				t.Errorf("register=%v but name field %v", register, name)
			}
			if !strings.Contains(body, "<noscript>") {
				t.Errorf("no noscript message")
			}
		}
	}
}

// TestScriptsPageAndWebAuthn: every page has the one page script file
// (progressive enhancement), and the webauthn page its own as well; no
// page has any other (checkPage checks every sample as well).
func TestScriptsPageAndWebAuthn(t *testing.T) {
	u := newUI(t, true)
	for page, datas := range samples() {
		body, all := renderPage(t, u, "en", page, datas[0])
		want := 1
		if page == PageWebAuthn {
			want = 2
			if !strings.Contains(body, `<script src="/static/webauthn.js" defer></script>`) {
				t.Errorf("webauthn page without its script")
			}
		}
		if n := len(find(all, "script")); n != want || !strings.Contains(body, `<script src="/static/page.js" defer></script>`) {
			t.Errorf("%s: %d scripts, want %d with page.js", page, n, want)
		}
	}
}

func TestTOTPEnrolPage(t *testing.T) {
	u := newUI(t, true)
	for _, lang := range supported {
		body, all := renderPage(t, u, lang, PageTOTPEnrol, &TOTPEnrolData{QRCode: sampleQR, Secret: sampleSecret, Issuer: "Passerelle", Account: "urn:x:1", Action: "/mfa/totp"})
		imgs := find(all, "img")
		var qr *elem
		for _, img := range imgs {
			if strings.HasPrefix(img.attrs["src"], "data:") {
				qr = img
			}
		}
		if qr == nil || qr.attrs["src"] != sampleQR || qr.attrs["alt"] != u.T(lang, "totp.qr.alt") {
			t.Fatalf("QR image missing or wrong: %v", qr)
		}
		var secret *elem
		for _, c := range find(all, "code") {
			if c.attrs["class"] == "secret" {
				secret = c
			}
		}
		if secret == nil || secret.text.String() != sampleSecret {
			t.Fatalf("key shown as %v, want it unbroken for copying", secret)
		}
		var blocks []string
		for _, s := range find(all, "span") {
			if s.parent == secret {
				blocks = append(blocks, s.text.String())
			}
		}
		if want := []string{"JBSW", "Y3DP", "EHPK", "3PXP", "JBSW", "Y3DP", "EH"}; !slices.Equal(blocks, want) {
			t.Errorf("key blocks %q, want %q", blocks, want)
		}
		for _, s := range []string{"urn:x:1", "Passerelle", u.T(lang, "totp.account"), u.T(lang, "totp.issuer")} {
			if !strings.Contains(body, s) {
				t.Errorf("missing %q", s)
			}
		}
		code := byID(t, all, "code")
		for k, v := range map[string]string{"name": "code", "inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"} {
			if code.attrs[k] != v {
				t.Errorf("code %s = %q, want %q", k, code.attrs[k], v)
			}
		}
		if name := byID(t, all, "name"); name.attrs["name"] != "name" || name.attrs["aria-describedby"] != "name-hint" {
			t.Errorf("name field %v", name.attrs)
		}
		if !strings.Contains(body, u.T(lang, "totp.name.label")) {
			t.Errorf("name label missing")
		}
	}
	// Without a QR code, the key alone.
	_, all := renderPage(t, u, "en", PageTOTPEnrol, &TOTPEnrolData{Secret: "JBSW", Action: "/a"})
	if len(find(all, "img")) != 2 { // the signature and the wordmark
		t.Errorf("an image without a QR code")
	}
}

func TestCodePage(t *testing.T) {
	u := newUI(t, true)
	numeric := map[string]string{"type": "text", "inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
	tests := []struct {
		kind  string
		attrs map[string]string // "" = absent
		label string
	}{
		{"totp", numeric, "code.totp.label"},
		{"email", numeric, "code.email.label"},
		{"recovery", map[string]string{"type": "text", "autocomplete": "off", "inputmode": "", "pattern": "", "aria-describedby": "code-hint"}, "code.recovery.label"},
		{"confirm", numeric, "code.email.label"},
		{"change-email", numeric, "code.email.label"},
	}
	for _, tc := range tests {
		for _, lang := range supported {
			d := &CodeData{Kind: tc.kind, FreeText: tc.kind == "recovery", SentTo: "a•••@example.org", Action: "/mfa/code", ResendAction: "/mfa/resend"}
			emailed := tc.kind != "totp" && tc.kind != "recovery"
			if !emailed {
				d.ResendAction = ""
			}
			body, all := renderPage(t, u, lang, PageCode, d)
			code := byID(t, all, "code")
			for k, v := range tc.attrs {
				if got, ok := code.attrs[k]; got != v || ok != (v != "") {
					t.Errorf("%s/%s: %s = %q, want %q", tc.kind, lang, k, got, v)
				}
			}
			if h1Text(all) != u.T(lang, codeKey(tc.kind, "title")) {
				t.Errorf("%s/%s: heading %q", tc.kind, lang, h1Text(all))
			}
			var label string
			for _, l := range find(all, "label") {
				if l.attrs["for"] == "code" {
					label = l.text.String()
				}
			}
			if label != u.T(lang, tc.label) {
				t.Errorf("%s/%s: label %q", tc.kind, lang, label)
			}
			if masked := strings.Contains(body, "a•••@example.org"); masked != emailed {
				t.Errorf("%s/%s: masked address shown: %v", tc.kind, lang, masked)
			}
			if resend := strings.Contains(body, u.T(lang, "code.email.resend")); resend != emailed {
				t.Errorf("%s/%s: resend form shown: %v", tc.kind, lang, resend)
			}
		}
	}
}

func TestMFARenderContent(t *testing.T) {
	u := newUI(t, false)
	tests := []renderCase{
		{"choose to enrol", "fr", PageMFAChoose, &MFAChooseData{Enrol: true, Reason: u.T("fr", "mfa.reason.first"), Options: sampleChoices[:1], LostURL: "/lost", CancelURL: "/c"},
			[]string{"<h1>Configurez un deuxième facteur</h1>", `<p class="lead">Chaque connexion exige`, `<form method="post" action="/login/abc/choose/gckey?h=1" novalidate>`,
				`<a href="/lost">Vous avez perdu votre deuxième facteur?`, `<a href="/c">Annuler</a>`}, nil},
		{"choose to confirm", "en", PageMFAChoose, &MFAChooseData{Options: sampleChoices[:1]},
			[]string{"<h1>Choose how to confirm it’s you</h1>"}, []string{"Lost your", "page-links", `class="lead"`}},
		{"choose without options", "en", PageMFAChoose, &MFAChooseData{}, []string{"No second factor is available"}, []string{"<form"}},
		{"email enrol prefilled", "fr", PageEmailEnrol, &EmailEnrolData{Email: `a"b@example.org`, Action: "/e", BackURL: "/b"},
			[]string{`<label for="email">Adresse courriel</label>`, `type="email" id="email" name="email" value="a&#34;b@example.org" autocomplete="email"`,
				`<a href="/b">Retour</a>`}, nil},
		{"code switch and lost", "en", PageCode, &CodeData{Kind: "totp", Action: "/a", Switch: sampleChoices[:1], LostURL: "/lost"},
			[]string{"<h2>Other ways to confirm</h2>", `<a href="/lost">Lost your second factor? Use a recovery code</a>`}, []string{"Cancel"}},
		{"code email without address", "fr", PageCode, &CodeData{Kind: "email", Action: "/a"},
			[]string{"Nous avons envoyé un code à votre adresse courriel."}, []string{"Autres façons", "Envoyer un nouveau code"}},
		{"inline field error", "en", PageCode, &CodeData{Common: Common{Errors: []FieldError{{Field: "code", Message: u.T("en", "mfa.error.code")}}}, Kind: "recovery", FreeText: true, Action: "/a"},
			[]string{`<a href="#code">The code is not valid.`, `<div class="field field-invalid">`,
				`<p class="field-error" id="code-error"><span class="visually-hidden">Error: </span>The code is not valid. Check it and try again.</p>`,
				`aria-describedby="code-hint code-error" aria-invalid="true"`}, nil},
		{"no inline error without one", "en", PageCode, &CodeData{Kind: "totp", Action: "/a"}, nil, []string{"aria-invalid", "field-invalid", "code-error"}},
		{"recovery codes", "fr", PageRecoveryCodes, &RecoveryCodesData{Codes: []string{"abcd-efgh", "ijkl-mnop"}, Action: "/s",
			Common: Common{Errors: []FieldError{{Field: "saved", Message: u.T("fr", "mfa.error.saved")}}}},
			[]string{"Conservez ces codes en lieu sûr. Chacun ne fonctionne qu’une fois. Ils ne sont affichés que maintenant.",
				"<ol class=\"recovery-codes\">\n<li><code>abcd-efgh</code></li>\n<li><code>ijkl-mnop</code></li>\n</ol>",
				`<input type="checkbox" id="saved" name="saved" value="yes" required aria-invalid="true" aria-describedby="saved-error">`,
				`<label for="saved">J’ai enregistré ces codes en lieu sûr</label>`, `<span class="visually-hidden">Erreur` + "\u00a0" + `: </span>`}, nil},
		{"security page", "en", PageSecurity, &SecurityData{URN: "urn:x:1", Factors: sampleFactors, AddOptions: sampleChoices[:1], RecoveryRemaining: 1,
			RegenerateAction: "/r", Notice: "Your factor was renamed."},
			[]string{`<div class="notice" role="status"><p>Your factor was renamed.</p></div>`, "<code>urn:x:1</code>",
				`<h3 id="factor-f1">Work phone</h3>`, `<h3 id="factor-f2">Security key</h3>`, `<dd>a•••@example.org</dd>`, "<dd>Never</dd>",
				`<label for="name-f1">New name for “Work phone”</label>`, `<label for="name-f2">New name for “Security key”</label>`,
				`id="name-f1" name="name" value="Work phone"`, `id="name-f3" name="name" value="Mail"`,
				`<form method="post" action="/security/f1/remove" novalidate>`,
				`<button type="button" class="secondary" disabled aria-describedby="remove-hint-f2">Remove</button>`,
				`<p class="hint" id="remove-hint-f2">This is your only second factor.`,
				"<h2>Add a second factor</h2>", "You have 1 recovery code left.", `<form method="post" action="/r" novalidate>`},
			[]string{"Sign out everywhere", "remove-hint-f1", "remove-hint-f3"}},
		{"security rename error", "fr", PageSecurity, &SecurityData{Factors: sampleFactors[:1], SignOutEverywhereAction: "/out",
			Common: Common{Errors: []FieldError{{Field: "name-f1", Message: u.T("fr", "mfa.error.name")}}}},
			[]string{`<a href="#name-f1">Le nom doit compter`, `<p class="field-error" id="name-f1-error">`, `id="name-f1" name="name" value="Work phone" autocomplete="off" aria-invalid="true" aria-describedby="name-f1-error"`,
				"Il ne vous reste aucun code de récupération.", "<h2>Se déconnecter partout</h2>", `<form method="post" action="/out" novalidate>`},
			[]string{"role=\"status\"", "Ajouter un deuxième facteur", "Générer"}},
		{"security without factors", "fr", PageSecurity, &SecurityData{RecoveryRemaining: 9},
			[]string{"Vous n’avez pas encore configuré de deuxième facteur.", "Il vous reste 9\u00a0codes de récupération."}, []string{"<form", "<ul class=\"factors\">"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := renderPage(t, u, tc.lang, tc.page, tc.data)
			checkBody(t, body, tc.want, tc.dontWant)
		})
	}
}

func TestBlocks(t *testing.T) {
	v := &view{}
	for in, want := range map[string][]string{
		"":         {""},
		"ABCD":     {"ABCD"},
		"ABCDE":    {"ABCD", "E"},
		"ABCDEFGH": {"ABCD", "EFGH"},
		"ÉÉÉÉÉ":    {"ÉÉÉÉ", "É"},
	} {
		if got := v.Blocks(in); !slices.Equal(got, want) {
			t.Errorf("Blocks(%q) = %q, want %q", in, got, want)
		}
	}
}

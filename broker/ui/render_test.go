package ui

import (
	"bytes"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

var (
	sampleErrors  = []FieldError{{Field: "code", Message: "Enter the code"}, {Message: "Page-level problem"}}
	sampleChoices = []Choice{
		{ID: "gckey", Name: "GCKey", Action: "/login/abc/choose/gckey?h=1"},
		{ID: "partners", Name: "Sign-In Partner", Action: "/login/abc/choose/partners?h=2", Group: true},
	}
)

// samples gives, per page, a full and a minimal data value.
func samples() map[string][]any {
	c := Common{CSRF: "tok123", Errors: sampleErrors}
	m := Common{CSRF: "tok123"} // a page with a form always has the token
	s := map[string][]any{
		PageLanguage:  {&LanguageData{Common: c, Next: "/login/abc"}, &LanguageData{}},
		PageChooser:   {&ChooserData{Common: c, ClientName: "IP Office", Choices: sampleChoices, CancelURL: "/login/abc/cancel"}, &ChooserData{}},
		PageBanks:     {&BanksData{Common: c, GroupName: "Sign-In Partner", Banks: sampleChoices[:1], BackURL: "/login/abc", CancelURL: "/login/abc/cancel"}, &BanksData{}},
		PageError:     {&ErrorData{Common: c, Heading: "Oops", Message: "Detail", RetryURL: "/login/abc", Reference: "R-42"}, &ErrorData{}, nil},
		PageLoggedOut: {&LoggedOutData{Common: c, SignOutAction: "/end_session", Hidden: []Field{{Name: "state", Value: "s"}}}, &LoggedOutData{}, nil},
		PageHome:      {&HomeData{Common: c, Links: []Link{{Text: "Help", URL: "/help"}}}, &HomeData{}, (*HomeData)(nil)},
		PageFormPost:  {&FormPostData{Common: c, Action: "https://rp.example/cb", Fields: []Field{{"code", "c1"}, {"state", "s1"}}}},
		PageConfirm: {&ConfirmData{Common: Common{CSRF: "tok123", Title: "Remove Work phone?"}, Message: "You will no longer…",
			Action: "/account/security/factor/f1/remove", Submit: "Yes, remove it", CancelURL: "/account/security"}},

		PageMFAChoose: {&MFAChooseData{Common: c, Enrol: true, Reason: "This service requires more.", Options: sampleChoices[:1], LostURL: "/mfa/lost", CancelURL: "/mfa/cancel"},
			&MFAChooseData{Common: c, Options: sampleChoices[:1]}, &MFAChooseData{}, nil},
		PageTOTPEnrol: {&TOTPEnrolData{Common: c, QRCode: sampleQR, Secret: sampleSecret, Issuer: "Passerelle", Account: "urn:x:1", Action: "/mfa/totp", BackURL: "/mfa"},
			&TOTPEnrolData{Common: m, Action: "/mfa/totp", Secret: "JBSW"}},
		PageEmailEnrol: {&EmailEnrolData{Common: c, Email: "a@example.org", Action: "/mfa/email", BackURL: "/mfa"}, &EmailEnrolData{Common: m, Action: "/mfa/email"}},
		PageCode: {
			&CodeData{Common: c, Kind: "totp", Action: "/mfa/code", Switch: sampleChoices[:1], LostURL: "/mfa/lost", CancelURL: "/mfa/cancel"},
			&CodeData{Common: c, Kind: "email", SentTo: "a•••@example.org", Action: "/mfa/code", ResendAction: "/mfa/resend", Switch: sampleChoices[:1], CancelURL: "/mfa/cancel"},
			&CodeData{Common: c, Kind: "recovery", FreeText: true, Action: "/mfa/code", CancelURL: "/mfa/cancel"},
			&CodeData{Common: c, Kind: "confirm", SentTo: "a@example.org", Action: "/email/confirm", ResendAction: "/email/resend", CancelURL: "/account"},
			&CodeData{Common: c, Kind: "change-email", SentTo: "b@example.org", Action: "/account/email/confirm", ResendAction: "/account/email/resend", CancelURL: "/account"},
			&CodeData{Common: m, Kind: "confirm", Action: "/c"}, &CodeData{Common: m, Kind: "change-email", Action: "/c"},
			&CodeData{Common: m, Kind: "totp", Action: "/mfa/code"}, &CodeData{Common: m, Kind: "email", Action: "/mfa/code"}, &CodeData{Common: m, Kind: "recovery", FreeText: true, Action: "/mfa/code"}},
		PageWebAuthn: {
			&WebAuthnData{Common: c, Register: true, OptionsJSON: sampleOptions, Action: "/mfa/key", Switch: sampleChoices[:1], LostURL: "/mfa/lost", CancelURL: "/mfa/cancel"},
			&WebAuthnData{Common: c, OptionsJSON: sampleOptions, Action: "/mfa/key", Switch: sampleChoices[:1], LostURL: "/mfa/lost", CancelURL: "/mfa/cancel"},
			&WebAuthnData{Common: m, OptionsJSON: "{}", Action: "/mfa/key"}},
		PageRecoveryCodes: {&RecoveryCodesData{Common: c, Codes: []string{"abcd-efgh-ijkl", "mnop-qrst-uvwx"}, Action: "/mfa/saved"},
			&RecoveryCodesData{Common: m, Codes: []string{"abcdefghijkl"}, Action: "/mfa/saved", Replaced: true,
				Lost: []Choice{{ID: "f1", Name: "Authenticator app — Phone"}, {ID: "f2", Name: "Security key"}}}},
		PageTerms: {&TermsData{Common: c, Version: "2026-01", Paragraphs: []string{"One.", "Two <b>not bold</b>."}, Action: "/step/terms"},
			&TermsData{Common: m, Version: "v2", Action: "/step/terms"}},
		PageLegacy: {&LegacyData{Common: c, Username: "mtremblay", Action: "/step/legacy"}, &LegacyData{Common: m, Action: "/step/legacy"}},
		PageRecord: {
			&RecordData{Common: c, View: RecordFind, Action: "/step/record", Fields: []RecordField{{Name: "certificate_number", Label: "Certificate number",
				Hint: "As printed", Value: "C-1"}, {Name: "birth_date", Label: "Date of birth", Date: true}}},
			&RecordData{Common: Common{CSRF: "tok123", Errors: []FieldError{{Field: "birth_date", Message: "Not a date"}}}, View: RecordFind,
				Action: "/step/record", Fields: []RecordField{{Name: "birth_date", Label: "Date of birth", Date: true}}},
			&RecordData{Common: c, View: RecordCode, SentTo: "d•••@example.org", OtherWays: true, Action: "/step/record"},
			&RecordData{Common: m, View: RecordOther, Invoice: true, Assisted: true, Action: "/step/record"},
			&RecordData{Common: m, View: RecordAssisted, Action: "/step/record"}},
		PageOrgStep: {&OrgStepData{Common: m, ClientName: "ATIP Online", Action: "/step/organization", CancelURL: "/cancel"},
			&OrgStepData{Common: c, ClientName: "PIP", Choices: sampleChoices[:1], Action: "/step/organization", Activation: true,
				Notice: "Recorded.", Number: "BN1", CancelURL: "/cancel"},
			&OrgStepData{Common: Common{CSRF: "tok123", Errors: []FieldError{{Field: "activation-code", Message: "Expired"}}},
				ClientName: "PIP", Action: "/step/organization", Activation: true}},
		PageOrgs: {&OrgsData{Common: c, JoinAction: "/orgs/join", BackURL: "/account", Notice: "Joined.",
			Orgs:   []OrgRow{{Name: "Acme", Service: "PIP", Role: "Owner", URL: "/orgs/pip/1"}},
			Offers: []OfferRow{{ID: "o2", Name: "Beta", Service: "PIP", AcceptAction: "/orgs/pip/2/accept", DeclineAction: "/orgs/pip/2/decline"}}},
			&OrgsData{Common: m, JoinAction: "/orgs/join", BackURL: "/account"}},
		PageOrg: {&OrgData{Common: m, Name: "Acme", Service: "PIP", Role: "Owner", Number: "BN1", Code: "ABCD-EFGH-JKMN-PQRS",
			Members: []MemberRow{{ID: "a1", Name: "Alex T", URN: "1234", Role: "Owner", Owner: true},
				{ID: "a2", Name: "Sam", URN: "5678", Role: "User", Roles: []Choice{{ID: "admin", Name: "Administrator"}},
					RoleAction: "/orgs/pip/1/role/1", RemoveAction: "/orgs/pip/1/remove/1"}},
			Invitations: []InvitationRow{{ID: "i1", Role: "User", Expires: "2026-02-01", RevokeAction: "/orgs/pip/1/revoke/i1"}},
			InviteRoles: []Choice{{ID: "user", Name: "User"}}, InviteAction: "/orgs/pip/1/invite", TransferAction: "/orgs/pip/1/transfer", BackURL: "/orgs"},
			&OrgData{Common: Common{CSRF: "tok123", Errors: []FieldError{{Field: "family_name", Message: "No such member"}}},
				Name: "Acme", Service: "PIP", Role: "User", LeaveAction: "/orgs/pip/1/leave", TransferAction: "/t", BackURL: "/orgs"}},
		PageSecurity: {&SecurityData{Common: c, URN: "urn:x:1", Factors: sampleFactors, AddOptions: sampleChoices[:1], RecoveryRemaining: 7,
			RegenerateAction: "/security/recovery", SignOutEverywhereAction: "/security/signout", Notice: "Your factor was renamed."},
			&SecurityData{Common: m, Factors: sampleFactors[1:]}, &SecurityData{}, nil},
	}
	maps.Copy(s, localSamples(m))
	return s
}

func TestRenderEveryPage(t *testing.T) {
	u := newUI(t, true)
	keys := sortedKeys(readCatalogue(t, "en"))
	for page, datas := range samples() {
		for i, data := range datas {
			for _, lang := range supported {
				t.Run(page+"/"+lang+"/"+string(rune('0'+i)), func(t *testing.T) {
					r := httptest.NewRequest(http.MethodGet, "/login/abc?x=1", nil)
					w := httptest.NewRecorder()
					u.Render(w, r, http.StatusOK, lang, page, data)
					checkPage(t, u, w, lang, page, keys, errorsOf(data))
				})
			}
		}
	}
}

// errorsOf gives the error summary entries of a page's data.
func errorsOf(data any) []FieldError {
	c, ok := data.(interface{ common() *Common })
	if !ok || reflect.ValueOf(data).IsNil() {
		return nil
	}
	return c.common().Errors
}

func checkPage(t *testing.T, u *UI, w *httptest.ResponseRecorder, lang, page string, keys []string, errs []FieldError) {
	t.Helper()
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	for k, v := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Content-Language": lang} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(body, `<body data-page="`+page+`">`) {
		t.Errorf("<body> does not name the page %s (data-page)", page)
	}
	wantScripts := 1 // page.js
	if page == PageWebAuthn {
		wantScripts = 2
	}
	if strings.Count(strings.ToLower(body), "<script") != wantScripts || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Errorf("page has inline style or other than %d script", wantScripts)
	}
	for _, k := range keys {
		if strings.Contains(body, k) {
			t.Errorf("page shows the bare key %q", k)
		}
	}
	all := parsePage(t, body)
	ids := map[string]bool{}
	for _, e := range all {
		if id, ok := e.attrs["id"]; ok {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
		if e.has("style") || strings.HasPrefix(firstOnAttr(e), "on") {
			t.Errorf("<%s> has a style or event attribute", e.name)
		}
	}
	for _, sc := range find(all, "script") {
		if src := sc.attrs["src"]; src != "/static/page.js" && src != "/static/webauthn.js" || !sc.has("defer") || !within(sc, "head") || sc.text.Len() != 0 {
			t.Errorf("script %v %q: want only the page.js and webauthn.js files, deferred, in head", sc.attrs, sc.text.String())
		}
	}
	if hs := find(all, "html"); len(hs) != 1 || hs[0].attrs["lang"] != lang {
		t.Errorf("want one <html lang=%q>", lang)
	}
	if h1 := find(all, "h1"); len(h1) != 1 || strings.TrimSpace(h1[0].text.String()) == "" {
		t.Errorf("want exactly one non-empty h1, got %d", len(h1))
	}
	if mains := find(all, "main"); len(mains) != 1 || mains[0].attrs["id"] != "main" {
		t.Errorf("want one <main id=\"main\">")
	}
	if ts := find(all, "title"); len(ts) != 1 || !strings.Contains(ts[0].text.String(), "Passerelle") {
		t.Errorf("want a title naming the service")
	}
	var skip, toggles int
	for _, a := range find(all, "a") {
		href := a.attrs["href"]
		if href == "#main" {
			skip++
		}
		for _, other := range supported {
			if (other != lang || page == PageLanguage) && strings.HasPrefix(href, "/lang?l="+other+"&next=%2F") && a.attrs["lang"] == other {
				toggles++
			}
		}
	}
	if skip != 1 {
		t.Errorf("want one skip link to #main, got %d", skip)
	}
	if wantToggles := len(supported) - 1; page == PageLanguage && toggles != len(supported) || page != PageLanguage && toggles != wantToggles {
		t.Errorf("got %d language links", toggles)
	}
	checkForms(t, all, ids)
	_, strict := localSamples(Common{})[page]
	checkErrorSummary(t, all, ids, errs, strict)
}

func TestRenderContent(t *testing.T) {
	u := newUI(t, false)
	tests := []renderCase{
		{"error summary only with errors", "en", PageHome, &HomeData{}, nil, []string{"error-summary"}},
		{"error summary", "fr", PageHome, &HomeData{Common: Common{Errors: sampleErrors}},
			[]string{`class="error-summary" role="alert" tabindex="-1" autofocus`, `<a href="#code">Enter the code</a>`, "Il y a un problème"}, nil},
		{"toggle carries the current path", "en", PageHome, &HomeData{},
			[]string{`<a href="/lang?l=fr&amp;next=%2Flogin%2Fabc%3Fx%3D1" lang="fr" hreflang="fr">Français</a>`}, nil},
		{"toggle to English", "fr", PageLoggedOut, &LoggedOutData{Common: Common{Path: "/logout"}},
			[]string{`<a href="/lang?l=en&amp;next=%2Flogout" lang="en" hreflang="en">English</a>`, "<title>Déconnexion terminée – Passerelle</title>"}, nil},
		{"language page in both languages", "en", PageLanguage, &LanguageData{Next: "/login/abc"},
			[]string{`<span lang="en">Choose your language</span> / <span lang="fr">Choisissez votre langue</span>`,
				`<a class="button" href="/lang?l=fr&amp;next=%2Flogin%2Fabc" lang="fr" hreflang="fr">Français</a>`,
				`<span lang="fr">Passer au contenu principal</span>`}, []string{"lang-toggle"}},
		{"chooser with client name", "fr", PageChooser, &ChooserData{ClientName: "Office de la PI", Choices: sampleChoices, CancelURL: "/c"},
			[]string{"Le service «\u00a0Office de la PI\u00a0» utilise", `<form method="post" action="/login/abc/choose/gckey?h=1" novalidate>`,
				`<input type="hidden" name="csrf" value="">`, `aria-describedby="choice-hint-1"`, `<a href="/c">Annuler</a>`}, []string{"Retour"}},
		{"chooser without choices", "en", PageChooser, &ChooserData{}, []string{"No way to sign in"}, []string{"<form", "Cancel"}},
		{"banks title from group", "fr", PageBanks, &BanksData{GroupName: "Partenaire de connexion", Banks: sampleChoices[:1], BackURL: "/b"},
			[]string{"<h1>Partenaire de connexion</h1>", `<a href="/b">Retour</a>`}, []string{"Annuler"}},
		{"banks default title", "en", PageBanks, &BanksData{}, []string{"<h1>Choose your bank</h1>", "No bank is available"}, nil},
		{"error defaults", "fr", PageError, &ErrorData{}, []string{"<h1>Une erreur s’est produite</h1>", "Veuillez réessayer plus tard"}, []string{"Réessayer</a>", "référence"}},
		{"error retry and reference", "en", PageError, &ErrorData{Heading: u.T("en", "error.csrf.title"), RetryURL: "/retry", Reference: "R-42"},
			[]string{"<title>This form has expired – Passerelle</title>", `<a class="button" href="/retry">Try again</a>`, "give them this reference: R-42"}, nil},
		{"escaping", "en", PageChooser, &ChooserData{ClientName: `<b>"x"</b>`, Choices: []Choice{{Name: "A", Action: "javascript:alert(1)"}}},
			[]string{"&lt;b&gt;&#34;x&#34;&lt;/b&gt;", `action="#ZgotmplZ"`}, []string{"<b>"}},
		{"form post without csrf", "fr", PageFormPost, &FormPostData{Common: Common{CSRF: "tok123"}, Action: "https://rp.example/cb?x=1", Fields: []Field{{"code", "c&1"}, {"state", `s"1`}}},
			[]string{`<form method="post" action="https://rp.example/cb?x=1" novalidate data-autosubmit>`, `<input type="hidden" name="code" value="c&amp;1">`,
				`<input type="hidden" name="state" value="s&#34;1">`, `<button type="submit">Continuer</button>`}, []string{"tok123", "csrf"}},
		{"unknown language falls back", "de", PageHome, &HomeData{}, []string{`<html lang="en">`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			u.Render(w, httptest.NewRequest(http.MethodGet, "/login/abc?x=1", nil), http.StatusOK, tc.lang, tc.page, tc.data)
			body := w.Body.String()
			checkBody(t, body, tc.want, tc.dontWant)
		})
	}
}

func TestRenderFailsWhole(t *testing.T) {
	u := newUI(t, true)
	broken := newUI(t, true)
	// A template that fails after writing: nothing of it may reach the client.
	for _, l := range broken.langs {
		broken.pages[pageLang{PageHome, l}] = template.Must(template.New("layout").Parse(`<!DOCTYPE html><html>partial {{.Nope}}`))
	}
	tests := []struct {
		name string
		u    *UI
		page string
		data any
	}{
		{"wrong data type", u, PageChooser, &ErrorData{}},
		{"value instead of pointer", u, PageHome, HomeData{}},
		{"unknown page", u, "nope", nil},
		{"template error", broken, PageHome, &HomeData{}},
		{"form post without action", u, PageFormPost, &FormPostData{}},
		{"totp without secret", u, PageTOTPEnrol, &TOTPEnrolData{Action: "/a"}},
		{"totp without action", u, PageTOTPEnrol, &TOTPEnrolData{Secret: "JBSW"}},
		{"email enrol without action", u, PageEmailEnrol, nil},
		{"code without kind", u, PageCode, &CodeData{Action: "/a"}},
		{"code of unknown kind", u, PageCode, &CodeData{Kind: "sms", Action: "/a"}},
		{"code without action", u, PageCode, &CodeData{Kind: "totp"}},
		{"webauthn without options", u, PageWebAuthn, &WebAuthnData{Action: "/a"}},
		{"webauthn without action", u, PageWebAuthn, &WebAuthnData{OptionsJSON: "{}"}},
		{"recovery codes without codes", u, PageRecoveryCodes, &RecoveryCodesData{Action: "/a"}},
		{"recovery codes without action", u, PageRecoveryCodes, &RecoveryCodesData{Codes: []string{"a"}}},
		{"factor of unknown kind", u, PageSecurity, &SecurityData{Factors: []FactorRow{{ID: "f1", Kind: "sms"}}}},
		{"factor without id", u, PageSecurity, &SecurityData{Factors: []FactorRow{{Kind: "totp"}}}},
		{"sign-in without action", u, PageLocalSignIn, &LocalSignInData{ServiceName: "GCKey"}},
		{"sign-in without service name", u, PageLocalSignIn, &LocalSignInData{Action: "/a"}},
		{"register without service name", u, PageRegister, &RegisterData{Action: "/a", MinLength: 8, MaxLength: 64}},
		{"register without lengths", u, PageRegister, &RegisterData{Action: "/a", ServiceName: "GCKey"}},
		{"register with max below min", u, PageRegister, &RegisterData{Action: "/a", ServiceName: "GCKey", MinLength: 8, MaxLength: 4}},
		{"forgot without service name", u, PageForgot, &ForgotData{Action: "/a"}},
		{"forgot without action", u, PageForgot, &ForgotData{ServiceName: "GCKey"}},
		{"reset without action", u, PageReset, &ResetData{MinLength: 8, MaxLength: 64}},
		{"reset without lengths", u, PageReset, &ResetData{Action: "/a"}},
		{"first sign-in without create action", u, PageFirstLogin, &FirstLoginData{ProviderName: "Maple Bank"}},
		{"first sign-in without provider name", u, PageFirstLogin, &FirstLoginData{CreateAction: "/a"}},
		{"linked credential without provider", u, PageAccount, &AccountData{Links: []LinkRow{{Name: "GCKey"}}}},
		{"linked credential twice", u, PageAccount, &AccountData{Links: []LinkRow{{Provider: "gckey"}, {Provider: "gckey"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			tc.u.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			w := httptest.NewRecorder()
			tc.u.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "en", tc.page, tc.data)
			if w.Code != http.StatusInternalServerError || w.Body.String() != "internal error\n" {
				t.Errorf("got %d %q", w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "page="+tc.page) {
				t.Errorf("no log line: %q", logs.String())
			}
		})
	}
}

func TestRenderKeepsCallerData(t *testing.T) {
	u := newUI(t, true)
	d := &ErrorData{}
	u.Render(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil), http.StatusBadRequest, "en", PageError, d)
	if !reflect.DeepEqual(*d, ErrorData{}) {
		t.Errorf("Render changed the caller's data: %+v", d)
	}
}

// renderCase is one row of the page tables: the page rendered in lang
// from data must hold every string of want and none of dontWant.
type renderCase struct {
	name     string
	lang     string
	page     string
	data     any
	want     []string
	dontWant []string
}

// checkBody reports each string of want missing from body and each string
// of dontWant found in it.
func checkBody(t *testing.T, body string, want, dontWant []string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("missing %q in\n%s", s, body)
		}
	}
	for _, s := range dontWant {
		if strings.Contains(body, s) {
			t.Errorf("unexpected %q in\n%s", s, body)
		}
	}
}

package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// sampleForbidden holds every character an HTML text must escape.
const sampleForbidden = `<>&"'`

var sampleLinks = []LinkRow{
	{Provider: "gckey", Name: "GCKey", Added: "2025-01-02", UnlinkAction: "/account/unlink/gckey"},
	{Provider: "maple", Name: "Maple Bank", UnlinkAction: "/account/unlink/maple"},
}

// localSamples gives, per page of the built-in credential service and of
// the account, full and minimal data. m is the minimal Common (the CSRF
// token). Their errors name only fields the page has: checkPage holds
// these pages to that.
func localSamples(m Common) map[string][]any {
	errs := func(fields ...string) Common {
		c := Common{CSRF: m.CSRF, Errors: []FieldError{{Message: "Page-level problem"}}}
		for _, f := range fields {
			c.Errors = append(c.Errors, FieldError{Field: f, Message: "Problem with " + f})
		}
		return c
	}
	return map[string][]any{
		PageLocalSignIn: {
			&LocalSignInData{Common: errs("username", "password"), ServiceName: "GCKey", Action: "/local/signin", Username: "bob",
				RegisterURL: "/local/register", ForgotURL: "/local/forgot", BackURL: "/login/abc"},
			&LocalSignInData{Common: m, ServiceName: "GCKey", Action: "/local/signin"}},
		PageRegister: {
			&RegisterData{Common: errs("username", "email", "password", "confirm"), ServiceName: "GCKey", Action: "/local/register",
				Username: "bob", Email: "bob@example.org", MinLength: 12, MaxLength: 128, Forbidden: sampleForbidden, BackURL: "/local/signin"},
			&RegisterData{Common: m, ServiceName: "GCKey", Action: "/local/register", MinLength: 8, MaxLength: 64}},
		PageForgot: {
			&ForgotData{Common: errs("who"), ServiceName: "GCKey", Action: "/local/forgot", Who: "bob", BackURL: "/local/signin"},
			&ForgotData{Common: m, ServiceName: "GCKey", Action: "/local/forgot"}},
		PageReset: {
			&ResetData{Common: errs("code", "password", "confirm"), Action: "/local/reset", MinLength: 12, MaxLength: 128, Forbidden: "€", BackURL: "/local/forgot"},
			&ResetData{Common: m, Action: "/local/reset", MinLength: 8, MaxLength: 64}},
		PageFirstLogin: {
			&FirstLoginData{Common: errs(), ProviderName: "Maple Bank", CreateAction: "/first/create", Link: sampleChoices, CancelURL: "/first/cancel"},
			&FirstLoginData{Common: m, ProviderName: "Maple Bank", CreateAction: "/first/create"}},
		PageAccount: {
			&AccountData{Common: errs("email", "lang-en"), URN: "urn:x:1", Email: "a@example.org", NewEmail: "b@example",
				EmailAction: "/account/email", Lang: "fr", LangAction: "/account/lang", Links: sampleLinks, LinkOptions: sampleChoices,
				SecurityURL: "/security", OrgsURL: "/account/organizations", SignOutEverywhereAction: "/account/signout", Notice: "Your language was saved."},
			&AccountData{Common: m, EmailAction: "/account/email", LangAction: "/account/lang", Links: []LinkRow{{Provider: "gckey", Name: "GCKey"}}},
			&AccountData{}, nil},
	}
}

// TestNoPasswordIsRendered: no data struct can carry a password, and a
// page rendered in answer to a POST that carried one never shows it.
func TestNoPasswordIsRendered(t *testing.T) {
	for page, spec := range pageSpecs {
		typ := spec.data.Elem()
		for i := range typ.NumField() {
			if name := strings.ToLower(typ.Field(i).Name); strings.Contains(name, "password") || strings.Contains(name, "confirm") {
				t.Errorf("%s: %v has the field %s", page, typ, typ.Field(i).Name)
			}
		}
	}
	const secret = "S3cret passw0rd!"
	form := url.Values{"username": {"bob"}, "password": {secret}, "confirm": {secret}, "code": {"123456"}}.Encode()
	u := newUI(t, true)
	for page, datas := range samples() {
		for _, lang := range supported {
			r := httptest.NewRequest(http.MethodPost, "/local/x", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			u.Render(w, r, http.StatusOK, lang, page, datas[0])
			if body := w.Body.String(); w.Code != http.StatusOK || strings.Contains(body, "S3cret") {
				t.Errorf("%s/%s: status %d, or the password shows", page, lang, w.Code)
			}
		}
	}
}

// TestPasswordHint: the length range, then the forbidden characters each
// in its own <kbd>, escaped, or a sentence that allows every character.
func TestPasswordHint(t *testing.T) {
	u := newUI(t, true)
	tests := []struct {
		lang, page string
		data       any
		want       string
	}{
		{"en", PageRegister, &RegisterData{ServiceName: "GCKey", Action: "/r", MinLength: 12, MaxLength: 128, Forbidden: sampleForbidden},
			`<p class="hint" id="password-hint">At least 12 characters, and at most 128. Spaces and any other characters are allowed, except: ` +
				`<kbd>&lt;</kbd> <kbd>&gt;</kbd> <kbd>&amp;</kbd> <kbd>&#34;</kbd> <kbd>&#39;</kbd></p>`},
		{"fr", PageReset, &ResetData{Action: "/r", MinLength: 8, MaxLength: 64, Forbidden: "</kbd><script>"},
			"Au moins 8\u00a0caractères, et au plus 64. Les espaces et tous les autres caractères sont permis, sauf\u00a0: " +
				"<kbd>&lt;</kbd> <kbd>/</kbd> <kbd>k</kbd> <kbd>b</kbd> <kbd>d</kbd> <kbd>&gt;</kbd> <kbd>&lt;</kbd> <kbd>s</kbd>"},
		{"en", PageReset, &ResetData{Action: "/r", MinLength: 8, MaxLength: 64},
			`<p class="hint" id="password-hint">At least 8 characters, and at most 64. Spaces and any other characters are allowed.</p>`},
	}
	for _, tc := range tests {
		body, all := renderPage(t, u, tc.lang, tc.page, tc.data)
		if !strings.Contains(body, tc.want) {
			t.Errorf("missing %q in\n%s", tc.want, body)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("forbidden characters not escaped")
		}
		for _, id := range []string{"password", "confirm"} {
			if in := byID(t, all, id); in.attrs["type"] != "password" || in.attrs["autocomplete"] != "new-password" || in.attrs["name"] != id {
				t.Errorf("%s field %v", id, in.attrs)
			}
		}
		if got := byID(t, all, "password").attrs["aria-describedby"]; got != "password-hint" {
			t.Errorf("password described by %q", got)
		}
	}
}

func TestLocalRenderContent(t *testing.T) {
	u := newUI(t, false)
	fieldErr := func(field, key string, args ...any) Common {
		return Common{Errors: []FieldError{{Field: field, Message: u.T("en", key, args...)}}}
	}
	tests := []renderCase{
		{"sign-in", "en", PageLocalSignIn, &LocalSignInData{ServiceName: "GCKey", Action: "/s", Username: `b"ob`, RegisterURL: "/r", ForgotURL: "/f", BackURL: "/b"},
			[]string{"<h1>Sign in with GCKey</h1>", "<title>Sign in with GCKey – Passerelle</title>", `<form method="post" action="/s" novalidate>`,
				`<label for="username">Username</label>`, `<input type="text" id="username" name="username" value="b&#34;ob" autocomplete="username"`,
				`<label for="password">Password</label>`, `<input type="password" id="password" name="password" autocomplete="current-password">`,
				"<li><a href=\"/r\">Create a GCKey</a></li>\n<li><a href=\"/f\">Forgot your password?</a></li>\n<li><a href=\"/b\">Choose another way to sign in</a></li>"}, nil},
		{"sign-in in French, no links", "fr", PageLocalSignIn, &LocalSignInData{ServiceName: "CléGC", Action: "/s"},
			[]string{"<h1>Se connecter avec CléGC</h1>", "<label for=\"password\">Mot de passe</label>", "<button type=\"submit\">Se connecter</button>"}, []string{"page-links"}},
		{"sign-in links in French", "fr", PageLocalSignIn, &LocalSignInData{ServiceName: "CléGC", Action: "/s", RegisterURL: "/r", ForgotURL: "/f", BackURL: "/b"},
			[]string{">Créer un compte CléGC</a>", ">Mot de passe oublié?</a>", ">Choisir un autre mode de connexion</a>"}, nil},
		{"sign-in error", "en", PageLocalSignIn, &LocalSignInData{Common: fieldErr("", "local.error.credentials"), ServiceName: "GCKey", Action: "/s"},
			[]string{"<li>The username or password is not correct.</li>"}, []string{"aria-invalid"}},
		{"register", "fr", PageRegister, &RegisterData{ServiceName: "CléGC", Action: "/r", Username: "bob", Email: "b@example.org", MinLength: 8, MaxLength: 64, BackURL: "/b"},
			[]string{"<h1>Créer un compte CléGC</h1>", `aria-describedby="username-hint"`, `value="bob"`,
				`<input type="email" id="email" name="email" value="b@example.org" autocomplete="email" spellcheck="false" aria-describedby="email-hint">`,
				`<label for="confirm">Confirmez le mot de passe</label>`, "<button type=\"submit\">Créer mon compte CléGC</button>", `<a href="/b">Retour</a>`}, []string{"<kbd>"}},
		{"register field error", "en", PageRegister, &RegisterData{Common: fieldErr("username", "register.error.taken"), ServiceName: "GCKey", Action: "/r", MinLength: 8, MaxLength: 64},
			[]string{`<a href="#username">This username is taken. Choose another one.</a>`, `<p class="field-error" id="username-error">`,
				`aria-describedby="username-hint username-error" aria-invalid="true"`}, nil},
		{"password error", "en", PageRegister, &RegisterData{Common: fieldErr("password", "password.error.too_short", 12), ServiceName: "GCKey", Action: "/r", MinLength: 12, MaxLength: 64},
			[]string{`<a href="#password">The password must have at least 12 characters.</a>`,
				`<input type="password" id="password" name="password" autocomplete="new-password" aria-describedby="password-hint password-error" aria-invalid="true">`}, nil},
		{"forgot", "en", PageForgot, &ForgotData{ServiceName: "GCKey", Action: "/f", Who: "bob", BackURL: "/b"},
			[]string{"<h1>Reset your password</h1>", "the email address of your GCKey", `<label for="who">Username or email address</label>`,
				`<input type="text" id="who" name="who" value="bob" autocomplete="username"`, "<button type=\"submit\">Send a code</button>"}, nil},
		{"reset", "fr", PageReset, &ResetData{Action: "/r", MinLength: 8, MaxLength: 64},
			[]string{"<h1>Choisissez un nouveau mot de passe</h1>", "Si un compte correspond, nous avons envoyé un code à son adresse courriel.",
				`id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*"`, `<label for="password">Nouveau mot de passe</label>`}, []string{"page-links"}},
		{"first sign-in", "en", PageFirstLogin, &FirstLoginData{ProviderName: "Maple Bank", CreateAction: "/c", Link: sampleChoices, CancelURL: "/x"},
			[]string{"<h1>Link or create your account</h1>", "This is the first time you sign in with Maple Bank.",
				"We never link accounts by email address alone", "<h2>Link to an account you already have</h2>",
				`<form method="post" action="/login/abc/choose/partners?h=2" novalidate>`, `<form method="post" action="/c" novalidate>`,
				"<button type=\"submit\">Create a new account</button>", `<a href="/x">Cancel</a>`}, nil},
		{"first sign-in without links", "fr", PageFirstLogin, &FirstLoginData{ProviderName: "Banque Érable", CreateAction: "/c"},
			[]string{"C’est la première fois que vous vous connectez avec Banque Érable.", "<button type=\"submit\">Créer un compte</button>"},
			[]string{"Lier à un compte", "page-links"}},
		{"account", "fr", PageAccount, &AccountData{URN: "urn:x:1", Email: "a@example.org", EmailAction: "/e", Lang: "fr", LangAction: "/l",
			Links: []LinkRow{{Provider: "gckey", Name: "CléGC", Added: "2025-01-02"}}, LinkOptions: sampleChoices[:1], SecurityURL: "/sec",
			SignOutEverywhereAction: "/out", Notice: u.T("fr", "account.notice.lang")},
			[]string{`<div class="notice" role="status"><p>Votre langue a été enregistrée.</p></div>`,
				"<dt>Numéro de référence de l’utilisateur (NRU)</dt>\n<dd><code>urn:x:1</code></dd>", "Votre adresse courriel est a@example.org.",
				`<input type="email" id="email" name="email" value="" autocomplete="email"`, "<button type=\"submit\" class=\"secondary\">Modifier</button>",
				"<legend>Langue de nos pages et de nos courriels</legend>", `<input type="radio" id="lang-en" name="lang" value="en">`,
				`<label for="lang-en" lang="en">English</label>`, `<input type="radio" id="lang-fr" name="lang" value="fr" checked>`,
				"<button type=\"submit\" class=\"secondary\">Enregistrer</button>", `<h3 id="link-gckey">CléGC</h3>`, "<dt>Lié le</dt>\n<dd>2025-01-02</dd>",
				`<button type="button" class="secondary" disabled aria-describedby="unlink-hint-gckey">Dissocier</button>`,
				`<p class="hint" id="unlink-hint-gckey">Vous ne pouvez pas dissocier votre seul justificatif.</p>`,
				"<h2>Lier un autre justificatif</h2>", `<a href="/sec">Deuxièmes facteurs et codes de récupération</a>`,
				"<h2>Se déconnecter partout</h2>", "révoque tous les jetons remis aux services", `<form method="post" action="/out" novalidate>`}, nil},
		{"account unlink and errors", "en", PageAccount, &AccountData{EmailAction: "/e", NewEmail: "b@example", LangAction: "/l", Links: sampleLinks,
			Common: Common{Errors: []FieldError{{Field: "email", Message: u.T("en", "register.error.email")}, {Field: "lang-en", Message: "Choose a language."},
				{Message: u.T("en", "account.error.unlink.last")}}}},
			[]string{"You have not given an email address.", `value="b@example"`, `aria-describedby="email-hint email-error" aria-invalid="true"`,
				`<fieldset class="field field-invalid" aria-describedby="lang-en-error">`, `<p class="field-error" id="lang-en-error">`,
				`<form method="post" action="/account/unlink/gckey" novalidate>`, `<button type="submit" class="danger" aria-describedby="link-maple">Unlink</button>`},
			[]string{"checked", "unlink-hint", "URN", "Sign out everywhere", "Security"}},
		{"account without actions", "en", PageAccount, &AccountData{}, []string{"<h1>Your account</h1>", "No credential is linked to your account."},
			[]string{"<form", "<fieldset", "role=\"status\""}},
		{"confirm email code", "en", PageCode, &CodeData{Kind: "confirm", SentTo: "a@example.org", Action: "/c"},
			[]string{"<h1>Confirm your email address</h1>", "Enter the six-digit code we sent to a@example.org to confirm your email address.",
				`<label for="code">Code from the email</label>`}, nil},
		{"change email code", "fr", PageCode, &CodeData{Kind: "change-email", Action: "/c",
			Common: Common{Errors: []FieldError{{Field: "code", Message: u.T("fr", "confirm.error.code")}}}},
			[]string{"<h1>Confirmez votre nouvelle adresse courriel</h1>", "Votre adresse actuelle reste en usage", `<a href="#code">Le code n’est pas valide ou a expiré.`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := renderPage(t, u, tc.lang, tc.page, tc.data)
			checkBody(t, body, tc.want, tc.dontWant)
		})
	}
}

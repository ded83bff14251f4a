package notify

import (
	"bytes"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

// Purposes of a one-time code: what the person is doing when it is sent.
const (
	PurposeSignIn        = "signin"
	PurposeConfirmEmail  = "confirm-email"
	PurposeResetPassword = "reset-password"
	PurposeChangeEmail   = "change-email"
	PurposeLinkRecord    = "link-record" // a client's record file: the code goes to the email on that file
)

// wording is what one language says in a code message.
type wording struct {
	Lang    string
	Subject string
	Lead    string // "Your sign-in code is:"
	Valid   string // "It is valid for %d minutes."
	Ignore  string
}

// words holds each language's wording per purpose; "" is a generic one.
var words = map[string]map[string]wording{
	"en": {
		"":                   {Subject: "Your verification code", Lead: "Your verification code is:"},
		PurposeSignIn:        {Subject: "Your sign-in code", Lead: "Your sign-in code is:"},
		PurposeConfirmEmail:  {Subject: "Confirm your email address", Lead: "Your code to confirm your email address is:"},
		PurposeResetPassword: {Subject: "Your password reset code", Lead: "Your code to reset your password is:"},
		PurposeChangeEmail:   {Subject: "Confirm your new email address", Lead: "Your code to confirm your new email address is:"},
		PurposeLinkRecord:    {Subject: "Your security code to link your file", Lead: "Someone asked to link your file to their sign-in account. If it was you, your security code is:"},
	},
	"fr": {
		"":                   {Subject: "Votre code de vérification", Lead: "Votre code de vérification est\u00a0:"},
		PurposeSignIn:        {Subject: "Votre code de connexion", Lead: "Votre code de connexion est\u00a0:"},
		PurposeConfirmEmail:  {Subject: "Confirmez votre adresse courriel", Lead: "Votre code pour confirmer votre adresse courriel est\u00a0:"},
		PurposeResetPassword: {Subject: "Votre code de réinitialisation du mot de passe", Lead: "Votre code pour réinitialiser votre mot de passe est\u00a0:"},
		PurposeChangeEmail:   {Subject: "Confirmez votre nouvelle adresse courriel", Lead: "Votre code pour confirmer votre nouvelle adresse courriel est\u00a0:"},
		PurposeLinkRecord:    {Subject: "Votre code de sécurité pour associer votre dossier", Lead: "Quelqu’un a demandé d’associer votre dossier à son compte de connexion. Si c’est vous, votre code de sécurité est\u00a0:"},
	},
}

// ValidPurpose reports whether p is one of the Purpose constants.
func ValidPurpose(p string) bool {
	switch p {
	case PurposeSignIn, PurposeConfirmEmail, PurposeResetPassword, PurposeChangeEmail, PurposeLinkRecord:
		return true
	}
	return false
}

func wordingFor(lang, purpose string, minutes int) wording {
	w, ok := words[lang][purpose]
	if !ok {
		w = words[lang][""]
	}
	w.Lang = lang
	switch lang {
	case "fr":
		w.Valid = "Il est valide pendant " + plural(minutes, "minute", "minutes") + "."
		w.Ignore = "Si vous n'avez pas demandé ce code, ignorez ce message."
	default:
		w.Valid = "It is valid for " + plural(minutes, "minute", "minutes") + "."
		w.Ignore = "If you did not ask for this code, ignore this message."
	}
	return w
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

type codeData struct {
	Code  string
	Parts []wording // in the order shown: the person's language first
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(
	`{{range $i, $w := .Parts}}{{if $i}}
----------------------------------------

{{end}}{{$w.Lead}} {{$.Code}}

{{$w.Valid}}
{{$w.Ignore}}
{{end}}`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="{{(index .Parts 0).Lang}}">
<head><meta charset="utf-8"><title>{{range $i, $w := .Parts}}{{if $i}} / {{end}}{{$w.Subject}}{{end}}</title></head>
<body>
{{range $i, $w := .Parts}}{{if $i}}<hr>
{{end}}<div lang="{{$w.Lang}}">
<p>{{$w.Lead}}</p>
<p style="font-size:1.5em;font-weight:bold;letter-spacing:0.2em">{{$.Code}}</p>
<p>{{$w.Valid}}</p>
<p>{{$w.Ignore}}</p>
</div>
{{end}}</body>
</html>
`))

// CodeMessage returns the email that carries a one-time code to to: the
// subject, text and HTML each in English and French, the language lang
// names first (French for "fr…", English otherwise). purpose is one of
// the Purpose constants; any other value gets a generic wording. The
// message holds the code and its validity (ttl, in whole minutes, at least
// one) and nothing else.
func CodeMessage(to, lang, purpose, code string, ttl time.Duration) Message {
	minutes := max(1, int(ttl/time.Minute))
	d := codeData{Code: code}
	order := languageOrder(lang)
	subjects := make([]string, len(order))
	for i, l := range order {
		d.Parts = append(d.Parts, wordingFor(l, purpose, minutes))
		subjects[i] = d.Parts[i].Subject
	}
	var text, html bytes.Buffer
	// The templates are fixed and their data is plain strings: executing
	// them cannot fail short of a bug, which Must-style panics surface in
	// tests.
	if err := textTmpl.Execute(&text, d); err != nil {
		panic(err)
	}
	if err := htmlTmpl.Execute(&html, d); err != nil {
		panic(err)
	}
	return Message{To: to, Subject: strings.Join(subjects, " / "), Text: text.String(), HTML: html.String()}
}

// languageOrder is the order of a message's languages: French first for
// "fr…", English first otherwise.
func languageOrder(lang string) []string {
	if strings.HasPrefix(strings.ToLower(lang), "fr") {
		return []string{"fr", "en"}
	}
	return []string{"en", "fr"}
}

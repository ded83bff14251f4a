package notify

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

// Kinds of notice: what happened to the account. NoticeAccountCreated
// carries the account's User Reference Number; the others are security
// notices (issue 11, point 5).
const (
	NoticeAccountCreated      = "account-created"
	NoticeFactorAdded         = "factor-added"
	NoticeFactorRemoved       = "factor-removed"
	NoticeRecoveryRegenerated = "recovery-regenerated"
	NoticeRecoveryUsed        = "recovery-used"
	NoticeCredentialLinked    = "credential-linked"
	NoticeCredentialUnlinked  = "credential-unlinked"
	NoticeEmailChanged        = "email-changed"
	NoticeAccountLocked       = "account-locked"
	// NoticeRecordLinked and NoticeRecordUnlinked: a relying party's
	// former account (legacy step) or file (record step) was linked to
	// the account, or an administrator removed that link. Such a link
	// makes the client treat the person as that former account's or
	// file's holder, so the owner hears of it as of a new credential.
	NoticeRecordLinked   = "record-linked"
	NoticeRecordUnlinked = "record-unlinked"
)

// Notice is what a notice says: its kind, when it happened, the URN (for
// NoticeAccountCreated only) and whom to contact, by language (the
// deployment's accounts.contact; may be empty).
type Notice struct {
	Kind    string
	At      time.Time
	URN     string
	Contact map[string]string
}

// noticeWording is what one language says in a notice.
type noticeWording struct {
	Subject, Happened string
}

var noticeWords = map[string]map[string]noticeWording{
	"en": {
		NoticeAccountCreated:      {"Your account and User Reference Number", "Your account was created. Your User Reference Number (URN) is:"},
		NoticeFactorAdded:         {"A second factor was added to your account", "A new way to confirm your identity (second factor) was added to your account."},
		NoticeFactorRemoved:       {"A second factor was removed from your account", "A way to confirm your identity (second factor) was removed from your account."},
		NoticeRecoveryRegenerated: {"New recovery codes were created for your account", "New recovery codes were created for your account. The old ones no longer work."},
		NoticeRecoveryUsed:        {"A recovery code was used on your account", "A recovery code was used to sign in to your account."},
		NoticeCredentialLinked:    {"A sign-in method was linked to your account", "A new sign-in method (credential) was linked to your account."},
		NoticeCredentialUnlinked:  {"A sign-in method was unlinked from your account", "A sign-in method (credential) was unlinked from your account."},
		NoticeEmailChanged:        {"The email address of your account changed", "The email address of your account was changed. Messages now go to the new address; this is the last one sent here."},
		NoticeAccountLocked:       {"Your account is locked", "Your account was locked after too many failed attempts to confirm your identity, or by an administrator."},
		NoticeRecordLinked:        {"A former account or file was linked to your account", "A former account or a file of a government service was linked to your account. That service now knows you as its holder."},
		NoticeRecordUnlinked:      {"A former account or file was unlinked from your account", "An administrator removed the link between your account and a former account or file of a government service. Your next sign-in to that service asks for it again."},
	},
	"fr": {
		NoticeAccountCreated:      {"Votre compte et votre numéro de référence d’utilisateur", "Votre compte a été créé. Votre numéro de référence d’utilisateur (NRU) est\u00a0:"},
		NoticeFactorAdded:         {"Un second facteur a été ajouté à votre compte", "Un nouveau moyen de confirmer votre identité (second facteur) a été ajouté à votre compte."},
		NoticeFactorRemoved:       {"Un second facteur a été retiré de votre compte", "Un moyen de confirmer votre identité (second facteur) a été retiré de votre compte."},
		NoticeRecoveryRegenerated: {"De nouveaux codes de récupération ont été créés pour votre compte", "De nouveaux codes de récupération ont été créés pour votre compte. Les anciens ne fonctionnent plus."},
		NoticeRecoveryUsed:        {"Un code de récupération a été utilisé pour votre compte", "Un code de récupération a été utilisé pour vous connecter à votre compte."},
		NoticeCredentialLinked:    {"Un moyen de connexion a été lié à votre compte", "Un nouveau moyen de connexion (justificatif d’identité) a été lié à votre compte."},
		NoticeCredentialUnlinked:  {"Un moyen de connexion a été délié de votre compte", "Un moyen de connexion (justificatif d’identité) a été délié de votre compte."},
		NoticeEmailChanged:        {"L’adresse courriel de votre compte a changé", "L’adresse courriel de votre compte a été modifiée. Les messages iront désormais à la nouvelle adresse; celui-ci est le dernier envoyé ici."},
		NoticeAccountLocked:       {"Votre compte est verrouillé", "Votre compte a été verrouillé après trop de tentatives infructueuses de confirmer votre identité, ou par un administrateur."},
		NoticeRecordLinked:        {"Un ancien compte ou dossier a été lié à votre compte", "Un ancien compte ou un dossier d’un service gouvernemental a été lié à votre compte. Ce service vous reconnaît désormais comme son titulaire."},
		NoticeRecordUnlinked:      {"Un ancien compte ou dossier a été délié de votre compte", "Un administrateur a retiré le lien entre votre compte et un ancien compte ou dossier d’un service gouvernemental. Votre prochaine connexion à ce service vous le redemandera."},
	},
}

// ValidNotice reports whether kind is one of the Notice kinds.
func ValidNotice(kind string) bool {
	_, ok := noticeWords["en"][kind]
	return ok
}

// noticePart is one language's part of a notice.
type noticePart struct {
	Lang, Subject, Happened, When, URN, Advice, Contact string
}

func noticePartFor(lang string, n Notice) noticePart {
	w := noticeWords[lang][n.Kind]
	p := noticePart{Lang: lang, Subject: w.Subject, Happened: w.Happened, URN: n.URN}
	at := n.At.UTC().Format("2006-01-02 15:04 UTC")
	switch lang {
	case "fr":
		p.When = "Date\u00a0: " + at
		p.Advice = "Si ce n’était pas vous, quelqu’un d’autre connaît peut-être votre mot de passe\u00a0: changez-le auprès de votre service de connexion, puis communiquez avec le soutien pour protéger votre compte. Si c’était vous, vous n’avez rien à faire."
		if n.Kind == NoticeAccountCreated {
			p.Advice = "Conservez ce numéro\u00a0: le soutien vous le demandera. Si vous n’avez pas créé ce compte, communiquez avec le soutien."
		}
		if c := n.Contact["fr"]; c != "" {
			p.Contact = "Pour nous joindre\u00a0: " + c
		}
	default:
		p.When = "When: " + at
		p.Advice = "If this was not you, someone else may know your password: change it with your sign-in service, then contact support to protect your account. If it was you, there is nothing to do."
		if n.Kind == NoticeAccountCreated {
			p.Advice = "Keep this number: support will ask for it. If you did not create this account, contact support."
		}
		if c := n.Contact["en"]; c != "" {
			p.Contact = "Contact: " + c
		}
	}
	return p
}

var noticeText = texttemplate.Must(texttemplate.New("text").Parse(
	`{{range $i, $p := .}}{{if $i}}
----------------------------------------

{{end}}{{$p.Happened}}{{with $p.URN}} {{.}}{{end}}

{{$p.When}}

{{$p.Advice}}
{{with $p.Contact}}{{.}}
{{end}}{{end}}`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="{{(index . 0).Lang}}">
<head><meta charset="utf-8"><title>{{range $i, $p := .}}{{if $i}} / {{end}}{{$p.Subject}}{{end}}</title></head>
<body>
{{range $i, $p := .}}{{if $i}}<hr>
{{end}}<div lang="{{$p.Lang}}">
<p>{{$p.Happened}}</p>
{{with $p.URN}}<p style="font-size:1.5em;font-weight:bold;letter-spacing:0.1em">{{.}}</p>
{{end}}<p>{{$p.When}}</p>
<p>{{$p.Advice}}</p>
{{with $p.Contact}}<p>{{.}}</p>
{{end}}</div>
{{end}}</body>
</html>
`))

// NoticeMessage returns the notice n to to, in English and French, the
// language lang names first. Like a code message it holds no link and
// no secret: what happened, when, what to do if it was not the person,
// and whom to contact (and the URN, for NoticeAccountCreated). An
// unknown kind panics: the kinds are this package's constants.
func NoticeMessage(to, lang string, n Notice) Message {
	if !ValidNotice(n.Kind) {
		panic("notify: unknown notice kind " + n.Kind)
	}
	var parts []noticePart
	subjects := []string{}
	for _, l := range languageOrder(lang) {
		p := noticePartFor(l, n)
		parts = append(parts, p)
		subjects = append(subjects, p.Subject)
	}
	var text, html bytes.Buffer
	// Fixed templates over plain strings: an error is a bug (see
	// CodeMessage).
	if err := noticeText.Execute(&text, parts); err != nil {
		panic(err)
	}
	if err := noticeHTML.Execute(&html, parts); err != nil {
		panic(err)
	}
	return Message{To: to, Subject: strings.Join(subjects, " / "), Text: text.String(), HTML: html.String()}
}

package ui

import (
	"html/template"
	"math"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// Pages Render knows. Each takes the *Data struct named in its comment.
const (
	PageLanguage  = "language"  // *LanguageData: bilingual choice page (no language known yet)
	PageChooser   = "chooser"   // *ChooserData: pick how to sign in
	PageBanks     = "banks"     // *BanksData: Sign-In Partner, list of banks
	PageError     = "error"     // *ErrorData
	PageLoggedOut = "loggedout" // *LoggedOutData
	PageHome      = "home"      // *HomeData: the broker's root page, what this service is
	PageFormPost  = "formpost"  // *FormPostData: an authorization response sent as a form POST
	PageConfirm   = "confirm"   // *ConfirmData: are you sure? before removing something
)

// Common is embedded in every page's data struct.
type Common struct {
	Title  string       // already translated; Render sets it from the page if empty
	Path   string       // current request path+query, for the language toggle; Render fills it from r if empty
	CSRF   string       // CSRF token put in every form as hidden field "csrf"
	Errors []FieldError // error summary at the top of the page; takes focus when non-empty
	// Limit is the page's time limit (a sign-in in progress), shown in
	// words with a warning and a way to extend it; nil: none.
	Limit *TimeLimit
}

// TimeLimit is how long is left before the page's sign-in (or window)
// expires, and where page.js asks for more time (POST with the csrf
// field, answered {"expires_in": seconds}).
type TimeLimit struct {
	Left         time.Duration
	ExtendAction string
	// Window: the limit is the account window's (its pages close), not a
	// sign-in's (the "window.*" sentences instead of "limit.*").
	Window bool
}

func (c *Common) common() *Common { return c }

// FieldError is one entry of the error summary. Field is the id of the
// input it is about ("" for a page-level error); Message is already
// translated.
type FieldError struct{ Field, Message string }

// Choice is one way to sign in, rendered as its own small POST form with a
// single submit button, so it works with the keyboard alone and without
// script.
type Choice struct {
	ID     string // provider or group id
	Name   string // already in the page language
	Action string // URL the choice's form posts to (the broker builds it, HMAC-bound)
	Group  bool   // true: opens a list (Sign-In Partner)
	// Description is the sentence under the choice, already in the page
	// language (what it is, which is stronger); "" for none.
	Description string
	// Logo is an image under /static/ (a bank's logo), shown in the
	// button before the name; "" for none. It is decorative (alt=""):
	// the name beside it in the same button says what it is (WCAG H2).
	Logo string
}

// LanguageData is for PageLanguage. Its links go to /lang?l=xx&next=Next;
// Next defaults to the current path.
type LanguageData struct {
	Common
	Next string
}

// ChooserData is for PageChooser. ClientName may be empty.
type ChooserData struct {
	Common
	ClientName string
	Choices    []Choice
	CancelURL  string
}

// BanksData is for PageBanks. The title defaults to GroupName, then to
// "banks.title".
type BanksData struct {
	Common
	GroupName string
	Banks     []Choice
	BackURL   string
	CancelURL string
}

// ErrorData is for PageError. Heading and Message are already translated
// and default to the generic error; Reference is a short request ID the
// person can quote to support.
type ErrorData struct {
	Common
	Heading, Message string
	RetryURL         string
	// Links are the ways forward after the message (back to the service,
	// the account page, the home page).
	Links     []Link
	Reference string
	// Contact is whom to contact, already in the page's language (the
	// deployment's accounts.contact); empty shows nothing.
	Contact string
}

// LoggedOutData is for PageLoggedOut. With SignOutAction the page asks
// first (RP-initiated logout without an ID token hint): a POST form to
// SignOutAction with the csrf field and Hidden carried along.
//
// After a logout, Frames are the clients' front-channel logout URLs,
// loaded in hidden iframes (the handler allows their origins with
// AllowFrames), and Next, when set, is where the person goes on: the
// client's post-logout redirect URI.
type LoggedOutData struct {
	Common
	SignOutAction string
	Hidden        []Field
	Frames        []string
	Next          string
}

// ConfirmData is for PageConfirm: "are you sure?" before an action that
// removes something (a factor, a linked credential). Common.Title is the
// question and the h1 ("confirm.title" when empty); the form posts Hidden and confirm=yes to Action
// with the danger-styled Submit button; CancelURL leads back unchanged.
type ConfirmData struct {
	Common
	Message   string
	Action    string
	Hidden    []Field
	Submit    string
	CancelURL string
}

// HomeData is for PageHome.
type HomeData struct {
	Common
	Links []Link
}

// FormPostData is for PageFormPost, the OAuth 2.0 Form Post Response
// Mode: the browser posts Fields to Action, the client's redirect URI,
// submitted by page.js (same origin, allowed by the CSP), or by the
// person's press on the one button without script. It carries no CSRF
// field: the broker's token must not reach the client.
type FormPostData struct {
	Common
	Action string
	Fields []Field
}

// Field is one hidden form field.
type Field struct{ Name, Value string }

// Link is a plain link.
type Link struct{ Text, URL string }

// pageSpec ties a page to its data type and default title key.
type pageSpec struct {
	data  reflect.Type
	title string
}

var pageSpecs = map[string]pageSpec{
	PageLanguage:  {reflect.TypeFor[*LanguageData](), "language.title"},
	PageChooser:   {reflect.TypeFor[*ChooserData](), "chooser.title"},
	PageBanks:     {reflect.TypeFor[*BanksData](), "banks.title"},
	PageError:     {reflect.TypeFor[*ErrorData](), "error.generic.title"},
	PageLoggedOut: {reflect.TypeFor[*LoggedOutData](), "loggedout.title"},
	PageHome:      {reflect.TypeFor[*HomeData](), "home.title"},
	PageFormPost:  {reflect.TypeFor[*FormPostData](), "formpost.title"},

	PageMFAChoose:     {reflect.TypeFor[*MFAChooseData](), "mfa.choose.title"},
	PageTOTPEnrol:     {reflect.TypeFor[*TOTPEnrolData](), "totp.title"},
	PageEmailEnrol:    {reflect.TypeFor[*EmailEnrolData](), "email.title"},
	PageCode:          {reflect.TypeFor[*CodeData](), "code.totp.title"},
	PageWebAuthn:      {reflect.TypeFor[*WebAuthnData](), "webauthn.login.title"},
	PageRecoveryCodes: {reflect.TypeFor[*RecoveryCodesData](), "recovery.title"},
	PageConfirm:       {reflect.TypeFor[*ConfirmData](), "confirm.title"},
	PageSecurity:      {reflect.TypeFor[*SecurityData](), "security.title"},

	PageLocalSignIn: {reflect.TypeFor[*LocalSignInData](), "local.title"},
	PageRegister:    {reflect.TypeFor[*RegisterData](), "register.title"},
	PageForgot:      {reflect.TypeFor[*ForgotData](), "forgot.title"},
	PageReset:       {reflect.TypeFor[*ResetData](), "reset.title"},
	PageFirstLogin:  {reflect.TypeFor[*FirstLoginData](), "firstlogin.title"},
	PageAccount:     {reflect.TypeFor[*AccountData](), "account.title"},

	PageTerms:   {reflect.TypeFor[*TermsData](), "terms.title"},
	PageOrgStep: {reflect.TypeFor[*OrgStepData](), "org.title"},
	PageOrgs:    {reflect.TypeFor[*OrgsData](), "orgs.title"},
	PageOrg:     {reflect.TypeFor[*OrgData](), "orgs.title"},
	PageLegacy:  {reflect.TypeFor[*LegacyData](), "legacy.title"},
	PageRecord:  {reflect.TypeFor[*RecordData](), "record.title.find"},
}

// view is what the templates see: .D is the page data, .C its Common.
type view struct {
	Lang string
	// Page is the page's name (PageChooser ...), on <body data-page> for
	// themes and for the accessibility walk, which checks that two
	// pages never share a title.
	Page      string
	C         *Common
	D         any
	Toggles   []langLink // header toggle: every other language
	Languages []langLink // language page: every language
	bilingual bool
	u         *UI
}

// langLink is a link to /lang for one language, labelled in that language.
type langLink struct {
	Lang  string
	Name  string // "English", "Français"
	Title string // the language page's heading in that language
	URL   string
}

// DocTitle is the document's <title>: the page title, after "Error: "
// when the page shows errors (a failed submission), and the service
// name (WCAG 2.4.2: the title says the form came back with errors).
func (v *view) DocTitle() string {
	t := v.C.Title
	if len(v.C.Errors) > 0 {
		t = v.T("errors.title.prefix", t)
	}
	return t + " – " + v.T("service.name")
}

// FooterLinks are the operator's footer links configured for the page
// language (ui.footer), in Canada.ca's order.
func (v *view) FooterLinks() []Link {
	var out []Link
	for _, l := range v.u.footer.each() {
		if url := l.urls[v.Lang]; url != "" {
			out = append(out, Link{Text: v.T("layout.footer." + l.key), URL: url})
		}
	}
	return out
}

// Banner is the official-site banner's text in the page language, if any.
func (v *view) Banner() string { return v.u.banner[v.Lang] }

// Duration says d in words in the page language, rounded up to the
// minute ("29 minutes", "1 minute", "less than a minute").
func (v *view) Duration(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	switch {
	case d <= 0:
		return v.T("time.none")
	case m <= 1 && d < time.Minute:
		return v.T("time.under_minute")
	case m == 1:
		return v.T("time.minute")
	}
	return v.T("time.minutes", m)
}

// T translates key into the page language.
func (v *view) T(key string, args ...any) string { return v.u.T(v.Lang, key, args...) }

// L translates key for the shared chrome (skip link, footer): in the page
// language, or in every offered language on the bilingual page, each part
// marked with its lang attribute.
func (v *view) L(key string) template.HTML {
	if !v.bilingual {
		return template.HTML(template.HTMLEscapeString(v.T(key)))
	}
	parts := make([]string, 0, len(v.u.langs))
	for _, l := range v.u.langs {
		parts = append(parts, `<span lang="`+l+`">`+template.HTMLEscapeString(v.u.T(l, key))+`</span>`)
	}
	return template.HTML(strings.Join(parts, " / "))
}

// langLinks builds the /lang links for every offered language but skip.
func (u *UI) langLinks(next, skip string) []langLink {
	var ls []langLink
	for _, l := range u.langs {
		if l == skip {
			continue
		}
		ls = append(ls, langLink{
			Lang:  l,
			Name:  u.T(l, "lang.name"),
			Title: u.T(l, "language.title"),
			URL:   "/lang?l=" + l + "&next=" + url.QueryEscape(next),
		})
	}
	return ls
}

// choiceList feeds the "choices" template: one POST form per choice.
type choiceList struct {
	Choices []Choice
	CSRF    string
	Hint    string // shown under, and describing, a group's button
}

// ChoiceList wraps cs with the page's CSRF token for the "choices" template.
func (v *view) ChoiceList(cs []Choice) choiceList {
	return choiceList{Choices: cs, CSRF: v.C.CSRF, Hint: v.T("chooser.group.hint")}
}

// button feeds the "post-button" template (a POST form with the CSRF
// token and one secondary submit button) and the "disabled-button" one (a
// disabled button and the hint saying why; Action and CSRF unused).
type button struct {
	Action, CSRF, Label string
	Class               string // "danger" for an action that removes something; else secondary
	DescribedBy         string // id of the element describing the button
	HintID, Hint        string // a hint shown with the button (empty: none)
}

// Button is a POST button for action, described by the element describedBy
// (the heading of what it acts on).
func (v *view) Button(action, label, describedBy string) button {
	return button{Action: action, CSRF: v.C.CSRF, Label: label, DescribedBy: describedBy}
}

// DangerButton is Button styled as an action that removes something
// (it leads to a confirmation page).
func (v *view) DangerButton(action, label, describedBy string) button {
	b := v.Button(action, label, describedBy)
	b.Class = "danger"
	return b
}

// HintButton is a POST button for action with a hint above it, under the
// id hintID, that describes it.
func (v *view) HintButton(action, label, hintID, hint string) button {
	return button{Action: action, CSRF: v.C.CSRF, Label: label, DescribedBy: hintID, HintID: hintID, Hint: hint}
}

// DisabledButton is a disabled button with the hint, under the id hintID,
// that tells why it cannot be used.
func (v *view) DisabledButton(label, hintID, hint string) button {
	return button{Label: label, DescribedBy: hintID, HintID: hintID, Hint: hint}
}

// NavLinks gives the back and cancel links, each when set, for the
// "links" template.
func (v *view) NavLinks(back, cancel string) ([]Link, error) {
	return v.Links(back, v.T("nav.back"), cancel, v.T("nav.cancel"))
}

// MFALinks gives the "lost your second factor?" and cancel links of the
// second-factor pages, each when set, for the "links" template.
func (v *view) MFALinks(lost, cancel string) ([]Link, error) {
	return v.Links(lost, v.T("mfa.lost"), cancel, v.T("nav.cancel"))
}

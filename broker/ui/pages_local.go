package ui

import (
	"errors"
	"fmt"
	"html/template"
	"strings"
)

// Pages of the built-in credential service (a GCKey-like username and
// password) and of the person's account. Each takes the *Data struct
// named in its comment. No data struct has a password field: a password
// is never written back into a page.
const (
	PageLocalSignIn = "localsignin" // *LocalSignInData: username + password sign-in of the built-in service
	PageRegister    = "register"    // *RegisterData: create a credential: username, email, password, confirm password
	PageForgot      = "forgot"      // *ForgotData: forgotten password: username or email
	PageReset       = "reset"       // *ResetData: code from the email + new password + confirm
	PageFirstLogin  = "firstlogin"  // *FirstLoginData: first sign-in with a credential: create a new account or link to an existing one
	PageAccount     = "account"     // *AccountData: the person's account page
)

// LocalSignInData is for PageLocalSignIn; Action and ServiceName are
// required. The title is "local.title" with ServiceName. The form has the
// fields "username" and "password".
type LocalSignInData struct {
	Common
	ServiceName string // e.g. "GCKey", in the page language
	Action      string // POST target
	Username    string // kept after a failed attempt (never the password)
	RegisterURL string // link "local.register" (empty: hidden)
	ForgotURL   string // link "local.forgot" (empty: hidden)
	BackURL     string // link "local.back": choose another way to sign in
}

// RegisterData is for PageRegister; Action, ServiceName and a length
// range (0 < MinLength <= MaxLength) are required. The title is
// "register.title" with ServiceName. The form has the fields "username",
// "email", "password" and "confirm".
type RegisterData struct {
	Common
	ServiceName          string
	Action               string // POST target
	Username, Email      string // kept after a failed attempt
	MinLength, MaxLength int    // password length, in characters, shown in the hint
	Forbidden            string // characters a password must not contain, each shown in a <kbd> (empty: any)
	BackURL              string
}

// ForgotData is for PageForgot; Action and ServiceName are required. The
// form has the field "who": a username or an email address.
type ForgotData struct {
	Common
	ServiceName string
	Action      string // POST target
	Who         string // kept after a failed attempt
	BackURL     string
}

// ResetData is for PageReset; Action and a length range are required.
// The form has the fields "code", "password" and "confirm".
type ResetData struct {
	Common
	Action               string // POST target
	MinLength, MaxLength int
	Forbidden            string
	BackURL              string
}

// FirstLoginData is for PageFirstLogin; ProviderName and CreateAction are
// required.
type FirstLoginData struct {
	Common
	ProviderName string   // the credential just used, e.g. "Maple Bank"
	CreateAction string   // POST target of "Create a new account"
	Link         []Choice // ways to link to an existing account ("firstlogin.link.choice", or one per credential type), one POST form each
	CancelURL    string
}

// AccountData is for PageAccount. Every LinkRow needs a Provider, unique
// on the page. Each form shows only when its action is set.
type AccountData struct {
	Common
	URN                     string
	Email                   string // current contact email (empty: none)
	NewEmail                string // the new address, kept after a failed change
	EmailAction             string // POST target of the field "email"; a code goes to the new address
	Lang                    string // "en" or "fr": the checked radio button
	LangAction              string // POST target of the radio buttons "lang"
	Links                   []LinkRow
	LinkOptions             []Choice // one POST form each: credentials not linked yet ("account.link.option")
	SecurityURL             string   // link to the account security page
	OrgsURL                 string   // link to the organizations page (empty: no client has organizations)
	SignOutEverywhereAction string   // POST target of "Sign out everywhere"
	Notice                  string   // already translated ("account.notice.*"), in a role=status box
}

// LinkRow is one linked credential on the account page. Its heading has
// the id "link-<Provider>".
type LinkRow struct {
	Provider     string // provider id, unique on the page
	Name         string // already translated
	Added        string // already formatted date (empty: hidden)
	UnlinkAction string // POST target; empty: a disabled button and "account.unlink.last"
}

// Links pairs URLs and their already translated texts (url, text, url,
// text ...) into the links the "links" template shows, leaving out the
// ones whose URL is empty.
func (v *view) Links(pairs ...string) ([]Link, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("Links wants url, text pairs, got %d strings", len(pairs))
	}
	var ls []Link
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i] != "" {
			ls = append(ls, Link{URL: pairs[i], Text: pairs[i+1]})
		}
	}
	return ls, nil
}

// passwordFields feeds the "password-fields" template: the new password
// and its confirmation.
type passwordFields struct {
	*view
	Label string        // label of the password field, already translated
	Hint  template.HTML // length, then the characters allowed
}

// PasswordFields builds the new-password fields of the register and
// reset pages. The hint names the length range and either allows every
// character or lists the forbidden ones, each in a <kbd>.
func (v *view) PasswordFields(label string, minLen, maxLen int, forbidden string) passwordFields {
	hint := template.HTMLEscapeString(v.T("password.hint.length", minLen, maxLen)) + " "
	if forbidden == "" {
		hint += template.HTMLEscapeString(v.T("password.hint.any"))
	} else {
		hint += kbdList(v.T("password.hint.except"), forbidden)
	}
	return passwordFields{view: v, Label: label, Hint: template.HTML(hint)}
}

// kbdList escapes msg and puts in place of its %s every character of
// chars, escaped, in its own <kbd>.
func kbdList(msg, chars string) string {
	before, after, _ := strings.Cut(msg, "%s")
	var b strings.Builder
	b.WriteString(template.HTMLEscapeString(before))
	sep := ""
	for _, r := range chars {
		b.WriteString(sep + "<kbd>" + template.HTMLEscapeString(string(r)) + "</kbd>")
		sep = " "
	}
	b.WriteString(template.HTMLEscapeString(after))
	return b.String()
}

// prepareLocal refuses the data of a local or account page that cannot
// work, and fills in what depends on it: the title and the account
// page's languages.
func (u *UI) prepareLocal(v *view) error {
	var title string
	switch d := v.D.(type) {
	case *LocalSignInData:
		if d.Action == "" || d.ServiceName == "" {
			return errors.New("needs an Action and a ServiceName")
		}
		title = u.T(v.Lang, "local.title", d.ServiceName)
	case *RegisterData:
		if d.Action == "" || d.ServiceName == "" {
			return errors.New("needs an Action and a ServiceName")
		}
		title = u.T(v.Lang, "register.title", d.ServiceName)
		if err := checkLengths(d.MinLength, d.MaxLength); err != nil {
			return err
		}
	case *ForgotData:
		if d.Action == "" || d.ServiceName == "" {
			return errors.New("needs an Action and a ServiceName")
		}
	case *ResetData:
		if d.Action == "" {
			return errors.New("needs an Action")
		}
		if err := checkLengths(d.MinLength, d.MaxLength); err != nil {
			return err
		}
	case *FirstLoginData:
		if d.CreateAction == "" || d.ProviderName == "" {
			return errors.New("needs a CreateAction and a ProviderName")
		}
	case *AccountData:
		seen := make(map[string]bool, len(d.Links))
		for _, l := range d.Links {
			if l.Provider == "" || seen[l.Provider] {
				return fmt.Errorf("link %q needs a Provider, unique on the page", l.Name)
			}
			seen[l.Provider] = true
		}
		v.Languages = u.langLinks(v.C.Path, "")
	}
	if v.C.Title == "" {
		v.C.Title = title
	}
	return nil
}

func checkLengths(minLen, maxLen int) error {
	if minLen <= 0 || maxLen < minLen {
		return fmt.Errorf("needs 0 < MinLength <= MaxLength, got %d and %d", minLen, maxLen)
	}
	return nil
}

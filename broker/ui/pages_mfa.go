package ui

import (
	"html/template"
	"strings"
	"time"
)

// Pages of the second factor (MFA) and of the account security page. Each
// takes the *Data struct named in its comment.
const (
	PageMFAChoose     = "mfachoose"     // *MFAChooseData: pick a second factor to set up (enrol) or to use (challenge)
	PageTOTPEnrol     = "totpenrol"     // *TOTPEnrolData: authenticator app set-up: QR code, manual key, code field
	PageEmailEnrol    = "emailenrol"    // *EmailEnrolData: email address to receive codes
	PageCode          = "code"          // *CodeData: enter a code (totp | email | recovery | confirm | change-email)
	PageWebAuthn      = "webauthn"      // *WebAuthnData: security key register or use
	PageRecoveryCodes = "recoverycodes" // *RecoveryCodesData: show new recovery codes once
	PageSecurity      = "security"      // *SecurityData: account security page: manage factors
)

// MFAChooseData is for PageMFAChoose. The title is "mfa.enrol.title" when
// Enrol is set, else "mfa.choose.title".
type MFAChooseData struct {
	Common
	Enrol     bool     // true: "Set up a second factor"; false: "Choose how to confirm it's you"
	Reason    string   // optional, already translated ("mfa.reason.*")
	Options   []Choice // one POST form each, as on the chooser
	LostURL   string   // "Lost your second factor?" link (empty: hidden)
	CancelURL string
}

// TOTPEnrolData is for PageTOTPEnrol; Action and Secret are required. The
// form has the fields "code" and, optional, "name".
type TOTPEnrolData struct {
	Common
	QRCode          template.URL // data:image/png;base64,... (empty: no image)
	Secret          string       // the key for manual entry, shown in blocks of four
	Issuer, Account string       // shown next to the key, each when set
	Action          string       // POST target
	BackURL         string
}

// EmailEnrolData is for PageEmailEnrol; Action is required. The form has
// the field "email".
type EmailEnrolData struct {
	Common
	Email   string // pre-filled value
	Action  string // POST target
	BackURL string
}

// CodeData is for PageCode; Action and Kind are required. Kind names the
// page's catalogue keys, code.<kind>.* with "-" as "_": title and label
// (required), intro (with the address when the kind has intro.generic,
// its text when no address is known), and optional note and hint. So a
// new factor kind with a code page needs only its catalogue strings.
type CodeData struct {
	Common
	Kind         string // a factor kind (totp, email, recovery, ...), "confirm" (confirm an email address) or "change-email"
	FreeText     bool   // the code is typed as text (a recovery code), not digits
	SentTo       string // the (masked) address the code went to, for a kind with intro.generic
	Action       string // POST target
	ResendAction string // POST target of "Send a new code" (empty: hidden)
	// ValidFor is how long an emailed code works, said in words (0: not said).
	ValidFor  time.Duration
	Switch    []Choice // other factors the person can use instead
	LostURL   string
	CancelURL string
}

// WebAuthnData is for PageWebAuthn; Action and OptionsJSON are required.
// The form carries the fields "options" and "response" for webauthn.js
// and, when Register is set, "name".
type WebAuthnData struct {
	Common
	Register           bool   // register a new key, else use one
	OptionsJSON        string // the ceremony's options, verbatim
	Action             string // POST target
	Switch             []Choice
	LostURL, CancelURL string
}

// RecoveryCodesData is for PageRecoveryCodes; Action and Codes are
// required. The form has the required checkbox "saved".
type RecoveryCodesData struct {
	Common
	Codes  []string
	Action string // POST target of "Continue"
	// DownloadURL serves the codes as a text file (optional).
	DownloadURL string
	// Replaced: these codes replace a set that no longer works.
	Replaced bool
	// Lost are the factors the person may have lost (after a recovery
	// code), offered for removal with the form; Choice.ID is posted as
	// "remove".
	Lost []Choice
}

// SecurityData is for PageSecurity. Every FactorRow needs an ID and a
// Kind the catalogue names (mfa.kind.<kind>).
type SecurityData struct {
	Common
	URN                     string
	Factors                 []FactorRow
	AddOptions              []Choice // one POST form each
	RecoveryRemaining       int
	RegenerateAction        string // POST target of "Generate new recovery codes" (empty: hidden)
	SignOutEverywhereAction string // POST target of "Sign out everywhere" (empty: hidden)
	Notice                  string // already translated ("security.notice.*"), in a role=status box
}

// FactorRow is one factor on the security page. Its rename field has the
// id "name-<ID>", so an error summary entry about it uses that Field.
type FactorRow struct {
	ID, Kind, Name  string // Kind: a factor kind (mfa.kind.<kind>)
	Detail          string // e.g. the masked email address
	Added, LastUsed string // already formatted dates; LastUsed empty: "Never"
	RenameAction    string // POST target (empty: no rename form)
	RemoveAction    string // POST target; empty: a disabled button and "security.remove.last"
	ChangeAction    string // email factors: POST target of "Change the address" (a code goes to the new one)
}

// codeKey is the catalogue key of one part of the code page of kind.
func codeKey(kind, part string) string {
	return "code." + strings.ReplaceAll(kind, "-", "_") + "." + part
}

// kindKey is the catalogue key of a factor kind's label.
func kindKey(kind string) string { return "mfa.kind." + kind }

// KindName is the label of a factor kind in the page language.
func (v *view) KindName(kind string) string { return v.T(kindKey(kind)) }

// CodeText is one part of the code page in the page language, or "" when
// the kind has none.
func (v *view) CodeText(part string) string {
	d, _ := v.D.(*CodeData)
	if d == nil || !v.u.has(codeKey(d.Kind, part)) {
		return ""
	}
	return v.T(codeKey(d.Kind, part))
}

// CodeIntro is the code page's instructions: with the address the code
// went to, for a kind whose catalogue has an intro without one
// (intro.generic); the plain intro otherwise.
func (v *view) CodeIntro() string {
	d, _ := v.D.(*CodeData)
	if d == nil {
		return ""
	}
	if v.u.has(codeKey(d.Kind, "intro.generic")) {
		if d.SentTo != "" {
			return v.T(codeKey(d.Kind, "intro"), d.SentTo)
		}
		return v.T(codeKey(d.Kind, "intro.generic"))
	}
	return v.T(codeKey(d.Kind, "intro"))
}

// TIn translates key into lang whatever the page language: webauthn.js
// picks the message for <html lang> from data-msg-<lang> attributes.
func (v *view) TIn(lang, key string) string { return v.u.T(lang, key) }

// Blocks splits a key typed by hand into blocks of four characters. The
// page sets them apart with CSS only, so a copy gives the key unbroken.
func (v *view) Blocks(s string) []string {
	var bs []string
	r := []rune(s)
	for len(r) > 4 {
		bs, r = append(bs, string(r[:4])), r[4:]
	}
	return append(bs, string(r))
}

// fieldErr feeds the "field-error" template: the error summary's message
// about one field, repeated next to it.
type fieldErr struct{ ID, Prefix, Message string }

// FieldErr is the error summary's entry about the field with id, or nil.
func (v *view) FieldErr(id string) *fieldErr {
	for _, e := range v.C.Errors {
		if e.Field == id {
			return &fieldErr{ID: id, Prefix: v.T("errors.field"), Message: e.Message}
		}
	}
	return nil
}

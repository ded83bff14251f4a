package ui

// The pages of the steps a client adds after the second factor.
const (
	PageTerms  = "terms"  // *TermsData: a client's terms of use, to accept or decline
	PageLegacy = "legacy" // *LegacyData: link the account of a client's former sign-in, or say there was none
)

// TermsData is for PageTerms. The form posts decision=accept or
// decision=decline to Action.
type TermsData struct {
	Common
	Version    string
	Paragraphs []string
	Action     string
}

// LegacyData is for PageLegacy. The form posts decision=link with
// username and password, or decision=none, to Action.
type LegacyData struct {
	Common
	Username string
	Action   string
}

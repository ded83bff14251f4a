package ui

// The pages of the steps a client adds after the second factor.
const (
	PageTerms = "terms" // *TermsData: a client's terms of use, to accept or decline
)

// TermsData is for PageTerms. The form posts decision=accept or
// decision=decline to Action.
type TermsData struct {
	Common
	Version    string
	Paragraphs []string
	Action     string
}

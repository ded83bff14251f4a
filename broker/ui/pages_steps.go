package ui

// The pages of the steps a client adds after the second factor.
const (
	PageTerms   = "terms"   // *TermsData: a client's terms of use, to accept or decline
	PageOrgStep = "orgstep" // *OrgStepData: choose an organization, enter an invitation or activation code
	PageLegacy  = "legacy"  // *LegacyData: link the account of a client's former sign-in, or say there was none
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

// OrgStepData is for PageOrgStep. Each choice posts to its own Action
// (Action?do=choose&org=ID); the code form posts code to Action?do=join,
// the activation form number and activation-code to Action?do=activate,
// and the request form number to Action?do=request.
type OrgStepData struct {
	Common
	ClientName string
	Choices    []Choice // the person's organizations, each named with the role held
	Action     string
	Activation bool   // the client activates businesses by mailed code
	Number     string // the client number typed, shown again
	Notice     string // already translated: an activation code was asked for
	CancelURL  string
}

package ui

// PageRecord is the record-linking step's page (*RecordData).
const PageRecord = "record"

// Views of PageRecord (RecordData.View).
const (
	RecordFind     = "find"     // the knowledge attributes
	RecordCode     = "code"     // the code sent to the email on file
	RecordOther    = "other"    // the fallbacks: an invoice number, an agent's help
	RecordAssisted = "assisted" // the request for an agent was sent
)

// RecordData is for PageRecord, the record-linking step. Every form posts
// to Action with a hidden "do" naming what it does; "I cannot get the
// code" is Action?view=other.
type RecordData struct {
	Common
	View      string
	Fields    []RecordField // find: the attributes asked
	SentTo    string        // code: the masked address on file
	OtherWays bool          // code: the client turned a fallback on
	Invoice   bool          // other: the invoice fallback is on
	Assisted  bool          // other: the request for an agent is on
	Action    string
}

// RecordField is one knowledge attribute of the find view; Label and Hint
// are in the page language already.
type RecordField struct {
	Name, Label, Hint, Value string
	Date                     bool // typed as YYYY-MM-DD
}

package journey

import "github.com/passerelle/passerelle/store"

// Stage is where the dispatcher sends a request next.
type Stage int

// The stages, in the chain's order.
const (
	Reissue      Stage = iota // complete already: the code again, or "over"
	Identify                  // no account yet: SSO session, hint, chooser, upstream
	Locked                    // the account is locked
	Dormant                   // the account went unused too long (broker/dormancy)
	Policy                    // no factor the client accepts reaches the level it needs
	SecondFactor              // the completion gate is not passed
	Link                      // write the link the first login asked for
	LinkLeg                   // the account page's link: sign in with that credential
	Enrol                     // the account page's set-up of a factor
	ClientSteps               // the client's own steps: the first one Needed
	Complete                  // the code to the client, or the account pages' window
)

var stageNames = [...]string{"reissue", "identify", "locked", "dormant", "policy", "second-factor",
	"link", "link-leg", "enrol", "client-steps", "complete"}

func (s Stage) String() string { return stageNames[s] }

// State is what the dispatcher decides from: the persisted auth request,
// and three facts about its account and client once the account is known.
type State struct {
	AR         *store.AuthRequest
	Locked     bool // the account is locked
	Dormant    bool // the account is dormant
	PolicyOK   bool // a factor the client accepts reaches the level it needs
	GatePassed bool // the completion gate (Gate) lets the request complete
}

// Next is the dispatcher's decision: the one place that orders the chain.
// ClientSteps means the caller asks the client's steps, in order, whether
// they are Needed, and completes when none is.
func Next(s State) Stage {
	ar := s.AR
	switch {
	case ar.Done:
		return Reissue
	case ar.AccountID == "":
		// A credential seen for the first time waits on the first-login
		// page, where identify sent it; a person who comes back here may
		// pick a provider again until a credential names the account.
		return Identify
	case s.Locked:
		return Locked
	case s.Dormant:
		return Dormant
	case !s.PolicyOK:
		return Policy
	case !s.GatePassed:
		return SecondFactor
	case ar.Linking && ar.NewIdentity != nil:
		return Link
	case ar.LinkProvider != "":
		return LinkLeg
	case ar.AddKind != "":
		return Enrol
	}
	return ClientSteps
}

// Interactive reports whether the stage shows the person a page, which a
// request with prompt=none may not (OIDC Core §3.1.2.1:
// interaction_required).
func (s Stage) Interactive() bool {
	return s == SecondFactor || s == ClientSteps
}

package journey

import (
	"slices"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// The completion gate: the one rule every way to completion (a code to a
// client, the account pages' window, a credential linked, a factor set up
// from the account page) goes through. A request passes when:
//
//   - the account's own existing factor was verified in this request, or
//     the reused SSO session holds a verified factor (not for a client
//     that asks at every sign-in, nor when linking a credential); or
//   - the account had no factor at all and this request enrolled its
//     first one; or
//   - a recovery code was used and this request enrolled its replacement;
//
// and the level reached by the factors the client accepts, raised by the
// upstream's own acr, meets the level required. The upstream's acr never
// stands in for a factor: without one, nothing is reached.

// GateInput is everything the gate looks at, all of it from the auth
// request and the client.
type GateInput struct {
	Required    string   // the acr this request needs
	Accepted    []string // factor kinds the client accepts; empty: every kind
	FreshFactor bool     // the factor must be passed in this request
	Progress    store.MFAProgress
	UpstreamACR string
}

// Gate returns the level this request reached and whether it may
// complete.
func Gate(l mfa.Ladder, in GateInput) (reached string, ok bool) {
	p := in.Progress
	if p.Recovered && len(p.Enrolled) == 0 {
		// A recovery code opens the way to a new factor, nothing more.
		return "", false
	}
	kinds := ProvenKinds(p)
	if !in.FreshFactor {
		kinds = append(kinds, p.Session...)
	}
	for _, k := range kinds {
		if len(in.Accepted) > 0 && !slices.Contains(in.Accepted, k) {
			continue
		}
		if v := l.ACRFor(k); v != "" && l.Rank(v) > l.Rank(reached) {
			reached = v
		}
	}
	if reached == "" {
		return "", false
	}
	if l.Rank(in.UpstreamACR) > l.Rank(reached) {
		reached = in.UpstreamACR
	}
	return reached, l.Satisfies(reached, in.Required)
}

// ProvenKinds are the factor kinds this request itself proved: the
// account's own factors answered, and those it set up once it was
// allowed to (after one of them, after a recovery code, or as the
// account's first).
func ProvenKinds(p store.MFAProgress) []string {
	if len(p.Verified) == 0 && !(len(p.Enrolled) > 0 && (p.FirstEnrolment || p.Recovered)) {
		return nil
	}
	return append(slices.Clone(p.Verified), p.Enrolled...)
}

// MayEnrol reports whether this request may set up a new factor on the
// account: only once it has passed one of the account's own factors,
// or used a recovery code, or when the account has no factor at all.
// hasFactor: the account has a factor of any kind, recovery codes
// included.
func MayEnrol(p store.MFAProgress, hasFactor bool) bool {
	return !hasFactor || p.Recovered || len(p.Verified) > 0
}

package journey

import (
	"fmt"
	"testing"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// TestGate walks every combination of what a request can have done about
// the second factor and checks the gate against the rule written out
// independently: the account's own factor passed here (or held by the
// session, when the client allows it), or a first factor set up on an
// account without one, or a replacement after a recovery code; and the
// level reached by accepted factors, raised by the upstream, meets the
// requirement.
func TestGate(t *testing.T) {
	var cfg mfa.Config
	cfg.SetDefaults()
	l := cfg.Ladder()
	loa := func(n int) string { return fmt.Sprintf("urn:gc-ca:cyber-auth:assurance:loa%d", n) }
	kindsets := [][]string{nil, {store.FactorEmail}, {store.FactorTOTP}}
	n := 0
	for _, verified := range kindsets {
		for _, enrolled := range kindsets {
			for _, sess := range kindsets {
				for bits := range 1 << 3 {
					first, recovered, fresh := bits&1 != 0, bits&2 != 0, bits&4 != 0
					for _, upstream := range []string{"", loa(2), loa(4)} {
						for _, required := range []string{loa(2), loa(3)} {
							for _, accepted := range [][]string{nil, {store.FactorTOTP, store.FactorWebAuthn}} {
								in := GateInput{Required: required, Accepted: accepted, FreshFactor: fresh, UpstreamACR: upstream,
									Progress: store.MFAProgress{Verified: verified, Enrolled: enrolled, FirstEnrolment: first,
										Recovered: recovered, Session: sess}}
								_, got := Gate(l, in)
								want := expectGate(l, in)
								if got != want {
									t.Errorf("%+v: gate %v, want %v", in, got, want)
								}
								n++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d combinations", n)
}

// expectGate is the rule in words, kept apart from the code under test.
func expectGate(l mfa.Ladder, in GateInput) bool {
	p := in.Progress
	if p.Recovered && len(p.Enrolled) == 0 {
		return false // a recovery code alone: a new factor is due
	}
	counted := map[string]bool{}
	ownPassed := len(p.Verified) > 0
	firstOrReplacement := len(p.Enrolled) > 0 && (p.FirstEnrolment || p.Recovered)
	if ownPassed || firstOrReplacement {
		for _, k := range append(append([]string{}, p.Verified...), p.Enrolled...) {
			counted[k] = true
		}
	}
	if !in.FreshFactor {
		for _, k := range p.Session {
			counted[k] = true
		}
	}
	best := -1
	for k := range counted {
		accepted := len(in.Accepted) == 0
		for _, a := range in.Accepted {
			accepted = accepted || a == k
		}
		if accepted && l.Rank(l.ACRFor(k)) > best {
			best = l.Rank(l.ACRFor(k))
		}
	}
	if best < 0 {
		return false // no factor: the upstream's acr never stands in
	}
	if r := l.Rank(in.UpstreamACR); r > best {
		best = r
	}
	return best >= l.Rank(in.Required)
}

// TestGateCases names the cases the threat model is about.
func TestGateCases(t *testing.T) {
	var cfg mfa.Config
	cfg.SetDefaults()
	l := cfg.Ladder()
	loa2, loa3, loa4 := "urn:gc-ca:cyber-auth:assurance:loa2", "urn:gc-ca:cyber-auth:assurance:loa3", "urn:gc-ca:cyber-auth:assurance:loa4"
	for _, tc := range []struct {
		name string
		in   GateInput
		want bool
	}{
		{"password only", GateInput{Required: loa2}, false},
		{"password and an upstream at loa4", GateInput{Required: loa2, UpstreamACR: loa4}, false},
		{"a factor enrolled on an account that has one", GateInput{Required: loa2,
			Progress: store.MFAProgress{Enrolled: []string{store.FactorTOTP}}}, false},
		{"the account's first factor", GateInput{Required: loa2,
			Progress: store.MFAProgress{Enrolled: []string{store.FactorTOTP}, FirstEnrolment: true}}, true},
		{"a recovery code alone", GateInput{Required: loa2, Progress: store.MFAProgress{Recovered: true}}, false},
		{"a recovery code and its replacement", GateInput{Required: loa2,
			Progress: store.MFAProgress{Recovered: true, Enrolled: []string{store.FactorEmail}}}, true},
		{"an email code, then an app at step-up", GateInput{Required: loa3,
			Progress: store.MFAProgress{Verified: []string{store.FactorEmail}, Enrolled: []string{store.FactorTOTP}}}, true},
		{"an email code at loa3", GateInput{Required: loa3, Progress: store.MFAProgress{Verified: []string{store.FactorEmail}}}, false},
		{"an email code raised by the upstream", GateInput{Required: loa3, UpstreamACR: loa3,
			Progress: store.MFAProgress{Verified: []string{store.FactorEmail}}}, true},
		{"the session's app", GateInput{Required: loa3, Progress: store.MFAProgress{Session: []string{store.FactorTOTP}}}, true},
		{"the session's app, factor at every sign-in", GateInput{Required: loa3, FreshFactor: true,
			Progress: store.MFAProgress{Session: []string{store.FactorTOTP}}}, false},
		{"an email code the client does not accept", GateInput{Required: loa2, Accepted: []string{store.FactorTOTP},
			Progress: store.MFAProgress{Verified: []string{store.FactorEmail}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := Gate(l, tc.in); got != tc.want {
				t.Errorf("gate = %v, want %v", got, tc.want)
			}
		})
	}
}

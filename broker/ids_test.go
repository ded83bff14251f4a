package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/providers"
)

// TestPairwiseSubjectIsStable pins the pairwise sub for a fixed key:
// relying parties store it, so no refactoring may change its bytes.
func TestPairwiseSubjectIsStable(t *testing.T) {
	s := secrets{pairwise: []byte("0123456789abcdef0123456789abcdef")}
	if got, want := s.pairwiseSubject("rp.example", "acct-1"), "vi7_fbewfvTPuKkYZKqWwQmTGqib2_nchFBuSkv4pJU"; got != want {
		t.Errorf("pairwise sub = %q, want %q", got, want)
	}
}

// TestUpstreamLeg: the state names the auth request, and every value
// differs between providers and between requests.
func TestUpstreamLeg(t *testing.T) {
	s := secrets{upstream: []byte("fedcba9876543210fedcba9876543210")}
	a, b, c := s.upstreamLeg("ar-1", "gckey"), s.upstreamLeg("ar-1", "bank-a"), s.upstreamLeg("ar-2", "gckey")
	if !strings.HasPrefix(a.State, "ar-1.") {
		t.Errorf("state %q does not name its auth request", a.State)
	}
	if legRequest(a.State) != "ar-1" {
		t.Errorf("legRequest(%q) = %q, want ar-1", a.State, legRequest(a.State))
	}
	for _, other := range []providers.Leg{b, c} {
		if other.State == a.State || other.Nonce == a.Nonce || other.Verifier == a.Verifier {
			t.Errorf("legs share a value: %+v and %+v", a, other)
		}
	}
	if a.Nonce == a.Verifier || len(a.Verifier) < 43 {
		t.Errorf("nonce and verifier: %q %q (a PKCE verifier needs 43 characters or more)", a.Nonce, a.Verifier)
	}
	// A real request's state is a SAML RelayState too, which may not
	// exceed 80 bytes (saml-bindings-2.0-os §3.4.3, §3.5.3; the SAML
	// provider refuses a longer one).
	if st := s.upstreamLeg(orderedID(time.Now()), "gckey").State; len(st) > 80 {
		t.Errorf("state %q is %d bytes, more than a RelayState's 80", st, len(st))
	}
}

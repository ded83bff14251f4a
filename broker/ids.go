package broker

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/providers"
)

// randomID returns 128 random bits, base64url: record IDs that may appear
// in URLs or tokens (accounts, sessions' sid, signing keys, logout
// tokens' jti).
func randomID() string { return randid.Base64URL(16) }

// orderedID returns the time now, to the millisecond, then 128 random
// bits (randid.Ordered): the IDs of auth requests (a grant's is its
// request's) and audit events. Their stored keys made close in time then
// sit together in the store's B-trees, so that a commit of several
// sign-ins rewrites a few shared leaves where random IDs dirtied one
// leaf each, with its branch pages (store/bolt's doc.go gives the
// figures of BenchmarkSignInCommits). The time it shows is when a
// sign-in began or an event happened, to the millisecond, which whoever
// sees the ID knows already within a round trip: the browser, the
// upstream (the ID is in the leg's state: upstreamLeg), the client
// holding the code or refresh token, an auditor. An auth request's ID
// with its state's MAC is 78 bytes, within a SAML RelayState's 80
// (TestUpstreamLeg).
func orderedID(now time.Time) string { return randid.Ordered(now, 16) }

// newCode is a fresh authorization code for an auth request: its ID, a
// dot and a secret, so the token endpoint finds the request by key
// (codeRequestID) and compares the code's hash with the one it holds.
func newCode(authRequestID string) string { return authRequestID + "." + randomSecret() }

// codeRequestID is the auth request a code names.
func codeRequestID(code string) string {
	id, _, _ := strings.Cut(code, ".")
	return id
}

// randomSecret returns 256 random bits, base64url: bearer secrets (codes,
// refresh tokens, cookies). Only their hash is stored.
func randomSecret() string { return randid.Base64URL(32) }

// NewURN returns a new User Reference Number: twelve digits in groups of four,
// the last a Luhn check digit so a mistyped URN is caught before a lookup.
func NewURN() string {
	var digits [12]int
	for i := 0; i < 11; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		digits[i] = int(n.Int64())
	}
	digits[0] = 1 + digits[0]%9 // no leading zero
	digits[11] = luhnDigit(digits[:11])
	s := ""
	for i, d := range digits {
		if i > 0 && i%4 == 0 {
			s += "-"
		}
		s += fmt.Sprint(d)
	}
	return s
}

func luhnDigit(payload []int) int {
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		d := payload[i]
		if (len(payload)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// secrets are the keys the broker derives from the master key (HKDF-SHA256
// with a distinct label each), so one configured secret yields independent
// keys and none of them is the master key itself.
type secrets struct {
	pairwise    []byte
	csrf        []byte
	upstream    []byte
	accessToken [32]byte
	dpopNonce   []byte
}

func deriveSecrets(master []byte) (secrets, error) {
	var s secrets
	get := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "passerelle "+label, 32)
	}
	var err error
	if s.pairwise, err = get("pairwise subject"); err != nil {
		return s, err
	}
	if s.csrf, err = get("csrf"); err != nil {
		return s, err
	}
	if s.upstream, err = get("upstream leg"); err != nil {
		return s, err
	}
	if s.dpopNonce, err = get("dpop nonce"); err != nil {
		return s, err
	}
	at, err := get("access token")
	if err != nil {
		return s, err
	}
	copy(s.accessToken[:], at)
	return s, nil
}

// pairwiseSubject is the sub a sector sees for an account (OIDC Core §8.1):
// an HMAC, so it is stable, opaque, and unlinkable across sectors without
// the key.
func (s secrets) pairwiseSubject(sector, accountID string) string {
	return mac(s.pairwise, sector, accountID)
}

// mac is the HMAC-SHA256 under key of the parts joined by NUL bytes,
// base64url: the one construction behind every derived value here. (The
// parts are IDs and names, which hold no NUL.)
func mac(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for i, part := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(part))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// upstreamLeg is the state, nonce and PKCE verifier of the upstream leg
// of one auth request at one provider: HMACs under a derived key, so they
// are unguessable without it, need no storage, and the state names the
// auth request and proves which provider it was sent to.
// legRequest (below) reads the auth request back from the state.
func (s secrets) upstreamLeg(authRequestID, provider string) providers.Leg {
	leg := func(label string) string { return mac(s.upstream, authRequestID, provider, label) }
	return providers.Leg{State: authRequestID + "." + leg("state"), Nonce: leg("nonce"), Verifier: leg("verifier")}
}

// legRequest is the auth request a leg's state names (unchecked: the
// caller compares the whole state with the one derived for it).
func legRequest(state string) string {
	id, _, _ := strings.Cut(state, ".")
	return id
}

// csrfToken binds a form to one auth request and one browser.
func (s secrets) csrfToken(authRequestID, browser string) string {
	return mac(s.csrf, authRequestID, browser)
}

func (s secrets) checkCSRF(authRequestID, browser, token string) bool {
	want := s.csrfToken(authRequestID, browser)
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

package mfa

import "slices"

// Ladder ranks acr values, lowest first, and says which factor kinds reach
// each. Build it with Config.Ladder from a validated configuration. The
// zero Ladder knows no value.
type Ladder struct {
	levels []Level
}

// Ladder returns the assurance ladder of c. The levels are copied, so
// later changes to c do not reach the Ladder.
func (c Config) Ladder() Ladder {
	levels := make([]Level, len(c.ACR))
	for i, lv := range c.ACR {
		levels[i] = Level{Value: lv.Value, Factors: slices.Clone(lv.Factors)}
	}
	return Ladder{levels: levels}
}

// Rank returns the position of acr on the ladder, 0 for the lowest, or -1
// when acr is not on it.
func (l Ladder) Rank(acr string) int {
	for i, lv := range l.levels {
		if lv.Value == acr {
			return i
		}
	}
	return -1
}

// ACRFor returns the acr value that using a factor of this kind reaches,
// or "" when the ladder does not list the kind (the factor is not
// accepted).
func (l Ladder) ACRFor(kind string) string {
	for i := len(l.levels) - 1; i >= 0; i-- {
		if slices.Contains(l.levels[i].Factors, kind) {
			return l.levels[i].Value
		}
	}
	return ""
}

// Satisfies reports whether an authentication at acr have meets a request
// for acr want: both are on the ladder and have ranks at or above want.
func (l Ladder) Satisfies(have, want string) bool {
	h, w := l.Rank(have), l.Rank(want)
	return h >= 0 && w >= 0 && h >= w
}

// KindsFor returns the factor kinds whose use reaches want or higher,
// weakest first, or nil when want is not on the ladder.
func (l Ladder) KindsFor(want string) []string {
	w := l.Rank(want)
	if w < 0 {
		return nil
	}
	var kinds []string
	for _, lv := range l.levels[w:] {
		kinds = append(kinds, lv.Factors...)
	}
	return kinds
}

// Lowest returns the lowest acr value a second factor reaches: the level
// of every sign-in at least, since a second factor is always needed. It
// is "" when no level lists a factor.
func (l Ladder) Lowest() string {
	for _, lv := range l.levels {
		if len(lv.Factors) > 0 {
			return lv.Value
		}
	}
	return ""
}

// Values returns the acr values, lowest first.
func (l Ladder) Values() []string {
	out := make([]string, len(l.levels))
	for i, lv := range l.levels {
		out[i] = lv.Value
	}
	return out
}

// Authentication method references (RFC 8176 §2) that factors contribute;
// each factor says its own (Factor.AMR). An email code is "otp" and
// nothing more. RFC 8176's "mca" (multiple channels) is not claimed: the
// mailbox is often read in the very browser that signs in, so it is not
// reliably a second channel. Relying parties that care tell an email code
// from an app code by acr, not amr. A security key is "hwk"; the WebAuthn
// layer may add AMRUser when the authenticator verifies the person.
const (
	AMROTP      = "otp"  // one-time password: TOTP, email code, recovery code
	AMRHardware = "hwk"  // proof of possession of a hardware-secured key
	AMRUser     = "user" // the authenticator verified the person (WebAuthn UV)
	AMRMFA      = "mfa"  // more than one factor was used
)

// MergeAMR combines the amr of the upstream authentication with the amr of
// each second factor used, without repeats, and adds "mfa" when two or
// more authentications were made in total (the upstream one counts when
// upstream is not empty).
func MergeAMR(upstream []string, factors ...[]string) []string {
	var out []string
	add := func(vs []string) {
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	add(upstream)
	n := len(factors)
	if len(upstream) > 0 {
		n++
	}
	for _, f := range factors {
		add(f)
	}
	if n >= 2 {
		add([]string{AMRMFA})
	}
	return out
}

package local

import (
	"strings"
	"unicode"
	"unicode/utf8"

	zxcvbn "github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/match"
	"github.com/ccojocar/zxcvbn-go/matching"
	"golang.org/x/text/unicode/norm"
)

// Password rules CheckPassword reports, in this order.
const (
	RuleTooShort  = "too_short"
	RuleTooLong   = "too_long"
	RuleInvalid   = "invalid"
	RuleForbidden = "forbidden"
	RuleCommon    = "common"
	RuleContext   = "context"
)

// PasswordError is a password that breaks rules; the broker shows one
// message per rule.
type PasswordError struct {
	Problems []string
}

func (e *PasswordError) Error() string {
	return "local: password breaks rules: " + strings.Join(e.Problems, ", ")
}

// leetMaxRunes bounds zxcvbn's l33t matcher, whose cost grows with the
// number of substitutable characters times the square of the length (a
// 128-character password full of them takes seconds). Every password of
// its common list is shorter, so longer passwords are checked without it.
const leetMaxRunes = 16

// guessableScore is zxcvbn's score of a password it estimates found in
// under about a million guesses.
const guessableScore = 0

// minContextRunes is the shortest username or email local part that
// counts as context: shorter ones would refuse most passwords.
const minContextRunes = 3

// CheckPassword lists every rule password breaks (nil when it is
// acceptable) for a person registering with username and email. There
// are no composition rules (NIST SP 800-63B §3.1.1.2): length in
// characters, valid text, the configured forbidden characters, the
// blocklist, and the person's own identifiers.
func (s *Service) CheckPassword(password, username, email string) []string {
	var out []string
	n := utf8.RuneCountInString(password)
	if n < s.cfg.Password.MinLength {
		out = append(out, RuleTooShort)
	}
	if n > s.cfg.Password.MaxLength {
		out = append(out, RuleTooLong)
	}
	valid := utf8.ValidString(password) && !strings.ContainsFunc(password, unicode.IsControl)
	if !valid {
		out = append(out, RuleInvalid)
	}
	if s.cfg.Password.Forbidden != "" && strings.ContainsAny(password, s.cfg.Password.Forbidden) {
		out = append(out, RuleForbidden)
	}
	if valid && n > 0 && n <= s.cfg.Password.MaxLength && guessable(password, n) {
		out = append(out, RuleCommon)
	}
	if inContext(password, username, email) {
		out = append(out, RuleContext)
	}
	return out
}

// guessable reports whether zxcvbn finds password in its lists of common
// passwords, words and names, alone or joined with the patterns attackers
// try first (repeats, sequences, keyboard walks, dates, l33t spelling),
// within about a million guesses.
func guessable(password string, runes int) bool {
	var filters []func(match.Matcher) bool
	if runes > leetMaxRunes {
		filters = append(filters, matching.FilterL33tMatcher)
	}
	return zxcvbn.PasswordStrength(password, nil, filters...).Score <= guessableScore
}

// inContext reports whether password contains the username or the
// email's local part, ignoring case and compatibility forms.
func inContext(password, username, email string) bool {
	pw := fold(password)
	local, _, _ := strings.Cut(email, "@")
	for _, c := range []string{username, local} {
		c = fold(strings.TrimSpace(c))
		if utf8.RuneCountInString(c) >= minContextRunes && strings.Contains(pw, c) {
			return true
		}
	}
	return false
}

// fold is the form identifiers are compared in: NFKC, lower case.
func fold(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

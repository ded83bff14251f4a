package local

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors of the identifiers a person types.
var (
	// ErrBadUsername: 3 to 64 letters, digits, '.', '_' or '-'.
	ErrBadUsername = errors.New("local: username must be 3 to 64 letters, digits, '.', '_' or '-'")
	// ErrBadEmail: one plain address of at most 254 characters.
	ErrBadEmail = errors.New("local: not a valid email address")
)

// Bounds of identifiers.
const (
	minUsernameRunes = 3
	maxUsernameRunes = 64
	maxEmailLen      = 254 // RFC 5321 path limit, less the angle brackets
)

// NormalizeUsername returns the stored form of a username: NFKC, without
// surrounding spaces, lower case. ErrBadUsername unless that form has 3
// to 64 characters, each a letter, a digit, '.', '_' or '-'.
func NormalizeUsername(username string) (string, error) {
	u := fold(strings.TrimSpace(username))
	n := utf8.RuneCountInString(u)
	if n < minUsernameRunes || n > maxUsernameRunes || strings.ContainsFunc(u, notUsernameRune) {
		return "", ErrBadUsername
	}
	return u, nil
}

func notUsernameRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '_' && r != '-'
}

// NormalizeEmail returns the stored form of an email address: one plain
// address (no display name), its domain in lower case; the local part is
// kept as typed (RFC 5321 lets a mail server tell cases apart).
// ErrBadEmail otherwise, or when longer than 254 characters.
func NormalizeEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e || len(e) > maxEmailLen {
		return "", ErrBadEmail
	}
	at := strings.LastIndexByte(e, '@')
	return e[:at] + "@" + strings.ToLower(e[at+1:]), nil
}

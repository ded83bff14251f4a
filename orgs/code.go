package orgs

import (
	"crypto/rand"
	"strings"

	"github.com/passerelle/passerelle/store"
)

// codeAlphabet is Crockford's base 32: no I, L, O or U, so a code read
// from a letter or a screen is typed without doubt.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen symbols of 5 bits: 80 bits, far beyond guessing online (and a
// database copy holds only SHA-256 hashes of them).
const codeLen = 16

// newCode draws a code, shown in groups of four (XXXX-XXXX-XXXX-XXXX).
func newCode() string {
	var b strings.Builder
	for i, x := range rand.Text()[:codeLen] {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(x)
	}
	return normalizeDisplay(b.String())
}

// normalizeDisplay maps rand.Text's alphabet (RFC 4648 base 32) onto
// codeAlphabet, symbol for symbol, keeping the dashes.
func normalizeDisplay(s string) string {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	return strings.Map(func(r rune) rune {
		if i := strings.IndexRune(std, r); i >= 0 {
			return rune(codeAlphabet[i])
		}
		return r
	}, s)
}

// canonical is the code as typed, made comparable: case, spaces and dashes
// ignored, O read as 0 and I, L as 1. ok is false when it cannot be a
// code at all.
func canonical(typed string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(codeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), b.Len() == codeLen
}

// hashCode is the stored hash of a typed code; ok is false when it cannot
// be a code.
func hashCode(typed string) ([]byte, bool) {
	c, ok := canonical(typed)
	if !ok {
		return nil, false
	}
	return store.HashToken(c), true
}

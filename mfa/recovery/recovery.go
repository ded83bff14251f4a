package recovery

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle/store"
)

// alphabet has 32 letters, so one random byte masked to 5 bits picks one
// uniformly. Digits 0, 1, 8 and 9 are left out (they are confused with o,
// l, b and g), so every code can be read back from paper.
const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// Shape of a code: codeLen letters of bitsPerLetter bits each, shown in
// groups of groupLen.
const (
	codeLen       = 12
	bitsPerLetter = 5
	groupLen      = 4
)

// Bits is the entropy of one code, by construction.
const Bits = codeLen * bitsPerLetter

// Generate draws n new codes and returns them in the form shown to the
// person, and hashed, in the same order, for store.Factor.Codes.
func Generate(n int) (codes []string, stored []store.RecoveryCode, err error) {
	if n < 1 {
		return nil, nil, errors.New("recovery: the number of codes must be positive")
	}
	codes = make([]string, n)
	stored = make([]store.RecoveryCode, n)
	raw := make([]byte, codeLen)
	for i := range codes {
		if _, err := rand.Read(raw); err != nil {
			return nil, nil, fmt.Errorf("recovery: random source: %w", err)
		}
		letters := make([]byte, codeLen)
		for j, b := range raw {
			letters[j] = alphabet[b&(1<<bitsPerLetter-1)]
		}
		codes[i] = group(letters)
		stored[i] = store.RecoveryCode{Hash: hash(string(letters))}
	}
	return codes, stored, nil
}

// group writes letters in dash-separated groups of groupLen.
func group(letters []byte) string {
	var b strings.Builder
	for i, c := range letters {
		if i > 0 && i%groupLen == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normalise folds case, drops spaces and dashes, and reads the digits the
// alphabet leaves out as the letters they are mistaken for: the ways a
// person may type a code back from paper.
func normalise(input string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		case '0':
			return 'o'
		case '1':
			return 'l'
		case '8':
			return 'b'
		case '9':
			return 'g'
		}
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, input)
}

func hash(normalised string) []byte {
	h := sha256.Sum256([]byte(normalised))
	return h[:]
}

// Use checks input against the stored codes at now. On a match with an
// unused code it returns a copy of stored with that code's UsedAt set, and
// true; otherwise stored itself and false. Every stored hash is compared,
// in constant time, whatever matches.
func Use(stored []store.RecoveryCode, input string, now time.Time) ([]store.RecoveryCode, bool) {
	h := hash(normalise(input))
	match := -1
	for i, c := range stored {
		eq := subtle.ConstantTimeCompare(c.Hash, h)
		if eq == 1 && c.UsedAt.IsZero() {
			match = i
		}
	}
	if match < 0 {
		return stored, false
	}
	out := append([]store.RecoveryCode(nil), stored...)
	out[match].UsedAt = now
	return out, true
}

// Remaining counts the codes not used yet.
func Remaining(stored []store.RecoveryCode) int {
	n := 0
	for _, c := range stored {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}

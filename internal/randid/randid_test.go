package randid_test

import (
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
)

const (
	base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	hexAlphabet       = "0123456789abcdef"
)

// The sizes in use: record IDs (16) and secrets (32) in base64url; request
// IDs (6) and local users' and email codes' IDs (16) in hex.

func TestBase64URL(t *testing.T) {
	checkDraws(t, randid.Base64URL, 16, 22, base64URLAlphabet)
	checkDraws(t, randid.Base64URL, 32, 43, base64URLAlphabet)
}

func TestHex(t *testing.T) {
	checkDraws(t, randid.Hex, 6, 12, hexAlphabet)
	checkDraws(t, randid.Hex, 16, 32, hexAlphabet)
}

func TestOrdered(t *testing.T) {
	at := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	draw := func(n int) string { return randid.Ordered(at, n) }
	checkDraws(t, draw, 16, 34, base64URLAlphabet)
	if got, want := draw(16)[:12], "01a25397ff80"; got != want {
		t.Errorf("Ordered(%v) begins %q, want %q (its Unix milliseconds in hexadecimal)", at, got, want)
	}
	// Made in order of time, to the millisecond: in that order, whatever
	// the random part.
	prev := randid.Ordered(at, 16)
	for _, d := range []time.Duration{time.Millisecond, time.Second, 17 * time.Hour, 400 * 24 * time.Hour} {
		next := randid.Ordered(at.Add(d), 16)
		if next <= prev {
			t.Errorf("Ordered at +%v = %q sorts before or with the earlier %q", d, next, prev)
		}
		prev = next
	}
}

// checkDraws draws twice from n bytes: each draw has the length and the
// alphabet of its encoding, and the two differ.
func checkDraws(t *testing.T, draw func(n int) string, n, length int, alphabet string) {
	t.Helper()
	a, b := draw(n), draw(n)
	for _, s := range []string{a, b} {
		if len(s) != length {
			t.Errorf("%d bytes gave %q: length %d, want %d", n, s, len(s), length)
		}
		if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
			t.Errorf("%d bytes gave %q: %q is outside the alphabet %q", n, s, s[i], alphabet)
		}
	}
	if a == b {
		t.Errorf("%d bytes: two draws are the same, %q", n, a)
	}
}

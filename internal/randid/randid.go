package randid

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// Base64URL returns n random bytes, base64url without padding
// (RFC 4648 §5): ceil(4n/3) characters of A–Z a–z 0–9 - _.
func Base64URL(n int) string {
	return base64.RawURLEncoding.EncodeToString(read(n))
}

// Hex returns n random bytes, lowercase hexadecimal: 2n characters of
// 0–9 a–f.
func Hex(n int) string {
	return hex.EncodeToString(read(n))
}

// OrderedTimeLen is how many characters of time an Ordered value
// begins with.
const OrderedTimeLen = 12

// Ordered returns t's Unix milliseconds as OrderedTimeLen (12) lowercase
// hexadecimal digits, then n random bytes, base64url without padding:
// 12 + ceil(4n/3) characters of A–Z a–z 0–9 - _. Values made in order of t sort in that
// order, to the millisecond (ties in random order), so that keys made
// close in time sit together in a B-tree. t is before the year 10889 and
// not before 1970.
func Ordered(t time.Time, n int) string {
	return fmt.Sprintf("%012x", t.UnixMilli()) + Base64URL(n)
}

func read(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: see the package doc
	return b
}

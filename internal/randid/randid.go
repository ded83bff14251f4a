package randid

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
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

func read(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: see the package doc
	return b
}

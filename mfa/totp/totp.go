package totp

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/passerelle/passerelle/mfa"
)

// secretSize is the length of a generated secret in bytes: 160 bits, the
// size RFC 4226 §4 recommends for HMAC-SHA-1.
const secretSize = 20

// qrSize is the width and height of the QR code image in pixels.
const qrSize = 256

// NewSecret draws a new secret (160 random bits, RFC 4226 §4) in
// unpadded base32, the form authenticator apps take for manual entry.
func NewSecret() (string, error) {
	raw := make([]byte, secretSize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("totp: new secret: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw), nil
}

// qrPNG draws the key's otpauth:// URL as a PNG QR code.
func qrPNG(key *otp.Key) ([]byte, error) {
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, fmt.Errorf("totp: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp: QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// Verify checks code against secret at now. It accepts the current time
// step and cfg.Skew steps either side, except steps at or before lastStep
// (a replay), and returns the step that matched. A code that is not
// exactly cfg.Digits ASCII digits never matches. Every candidate step is
// computed and compared in constant time, so the timing tells nothing about
// which step or digit was wrong. Unset values of cfg take their defaults.
func Verify(secret, code string, lastStep int64, now time.Time, cfg mfa.TOTPConfig) (step int64, ok bool) {
	cfg.SetDefaults()
	if !wellFormed(code, cfg.Digits) {
		return 0, false
	}
	period := int64(cfg.Period / time.Second)
	current := now.Unix() / period
	opts := hotp.ValidateOpts{Digits: otp.Digits(cfg.Digits), Algorithm: otp.AlgorithmSHA1}
	for s := current - int64(cfg.Skew); s <= current+int64(cfg.Skew); s++ {
		if s < 0 || s <= lastStep {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), opts)
		if err != nil {
			return 0, false // a secret that is not base32: nothing matches
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true // keep the latest matching step
		}
	}
	return step, ok
}

// wellFormed reports whether code is exactly n ASCII digits.
func wellFormed(code string, n int) bool {
	if len(code) != n {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

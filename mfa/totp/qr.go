package totp

import (
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/passerelle/passerelle/mfa"
)

// QR returns the otpauth:// URL of a secret for accountName (shown in the
// app beside issuer) and its PNG QR code. Unset values of cfg take their
// defaults. It is drawn when the set-up page is shown, not when the
// secret is drawn, so a secret costs no image until someone looks.
func QR(secret, issuer, accountName string, cfg mfa.TOTPConfig) (qrCode []byte, otpauthURL string, err error) {
	cfg.SetDefaults()
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return nil, "", fmt.Errorf("totp: secret is not base32: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: accountName, Period: uint(cfg.Period / time.Second),
		Secret: raw, Digits: otp.Digits(cfg.Digits), Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, "", fmt.Errorf("totp: key: %w", err)
	}
	png, err := qrPNG(key)
	return png, key.URL(), err
}

package totp

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/passerelle/passerelle/mfa"
)

// rfcSecret is the SHA-1 key of RFC 6238 Appendix B, "12345678901234567890", in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// codeAt is the code of a time step, computed by the library directly.
func codeAt(t testing.TB, secret string, step int64, digits int) string {
	t.Helper()
	c, err := hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: otp.Digits(digits), Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRFC6238Vectors(t *testing.T) {
	cfg := mfa.TOTPConfig{Digits: 8}
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
	} {
		step, ok := Verify(rfcSecret, tc.code, 0, time.Unix(tc.unix, 0), cfg)
		if !ok || step != tc.unix/30 {
			t.Errorf("T=%d: Verify(%s) = %d, %v", tc.unix, tc.code, step, ok)
		}
	}
}

func TestWindow(t *testing.T) {
	now := time.Unix(1_780_000_015, 0) // mid-step
	cur := now.Unix() / 30
	cfg := mfa.TOTPConfig{}
	for _, tc := range []struct {
		name   string
		step   int64
		accept bool
	}{
		{"current step", cur, true},
		{"previous step (skew 1)", cur - 1, true},
		{"next step (skew 1)", cur + 1, true},
		{"two steps back", cur - 2, false},
		{"two steps ahead", cur + 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := codeAt(t, rfcSecret, tc.step, 6)
			step, ok := Verify(rfcSecret, code, 0, now, cfg)
			if ok != tc.accept || (ok && step != tc.step) {
				t.Fatalf("Verify = %d, %v; want step %d, %v", step, ok, tc.step, tc.accept)
			}
			if ok {
				if _, again := Verify(rfcSecret, code, step, now, cfg); again {
					t.Fatal("the same code was accepted twice")
				}
			}
		})
	}
}

func TestSkewTwo(t *testing.T) {
	now := time.Unix(1_780_000_015, 0)
	cur := now.Unix() / 30
	cfg := mfa.TOTPConfig{Skew: 2}
	if _, ok := Verify(rfcSecret, codeAt(t, rfcSecret, cur-2, 6), 0, now, cfg); !ok {
		t.Error("skew 2 refused a code two steps back")
	}
	if _, ok := Verify(rfcSecret, codeAt(t, rfcSecret, cur-3, 6), 0, now, cfg); ok {
		t.Error("skew 2 accepted a code three steps back")
	}
}

func TestReplay(t *testing.T) {
	now := time.Unix(1_780_000_015, 0)
	cur := now.Unix() / 30
	cfg := mfa.TOTPConfig{}
	// The current step was accepted: the previous step's code is now a
	// replay even though it is inside the window.
	if _, ok := Verify(rfcSecret, codeAt(t, rfcSecret, cur-1, 6), cur, now, cfg); ok {
		t.Error("a code of a step before the last accepted one was accepted")
	}
	if _, ok := Verify(rfcSecret, codeAt(t, rfcSecret, cur, 6), cur, now, cfg); ok {
		t.Error("a code of the last accepted step was accepted")
	}
	if step, ok := Verify(rfcSecret, codeAt(t, rfcSecret, cur+1, 6), cur, now, cfg); !ok || step != cur+1 {
		t.Errorf("the next step's code after the last accepted one: %d, %v", step, ok)
	}
}

func TestMalformed(t *testing.T) {
	now := time.Unix(1_780_000_015, 0)
	good := codeAt(t, rfcSecret, now.Unix()/30, 6)
	for _, code := range []string{
		"", "12345", "1234567", " " + good, good + " ", good[:3] + " " + good[3:],
		"abcdef", "12345x", "١٢٣٤٥٦", "+12345", "-12345",
	} {
		if _, ok := Verify(rfcSecret, code, 0, now, mfa.TOTPConfig{}); ok {
			t.Errorf("Verify(%q) accepted a malformed code", code)
		}
	}
	if _, ok := Verify("not base32!", good, 0, now, mfa.TOTPConfig{}); ok {
		t.Error("Verify accepted with a broken secret")
	}
	if _, ok := Verify(rfcSecret, good, 0, now, mfa.TOTPConfig{}); !ok {
		t.Error("the well-formed code itself was refused")
	}
}

func TestEightDigits(t *testing.T) {
	now := time.Unix(1_780_000_015, 0)
	cfg := mfa.TOTPConfig{Digits: 8}
	code := codeAt(t, rfcSecret, now.Unix()/30, 8)
	if _, ok := Verify(rfcSecret, code, 0, now, cfg); !ok {
		t.Error("8-digit code refused")
	}
	if _, ok := Verify(rfcSecret, code[2:], 0, now, cfg); ok {
		t.Error("6 digits accepted with an 8-digit configuration")
	}
	if _, ok := Verify(rfcSecret, codeAt(t, rfcSecret, now.Unix()/30, 6), 0, now, cfg); ok {
		t.Error("6-digit code accepted with an 8-digit configuration")
	}
}

func TestPeriod(t *testing.T) {
	now := time.Unix(1_780_000_015, 0)
	cfg := mfa.TOTPConfig{Period: 60 * time.Second}
	step, ok := Verify(rfcSecret, codeAt(t, rfcSecret, now.Unix()/60, 6), 0, now, cfg)
	if !ok || step != now.Unix()/60 {
		t.Errorf("60s period: %d, %v", step, ok)
	}
}

func TestNewSecretAndQR(t *testing.T) {
	cfg := mfa.TOTPConfig{Digits: 8, Period: 60 * time.Second}
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 { // 20 bytes in unpadded base32
		t.Errorf("secret length %d, want 32", len(secret))
	}
	qr, raw, err := QR(secret, "Passerelle", "URN-123", cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != secret || q.Get("issuer") != "Passerelle" ||
		q.Get("digits") != "8" || q.Get("period") != "60" || q.Get("algorithm") != "SHA1" {
		t.Errorf("otpauth URL %s", raw)
	}
	if !bytes.HasPrefix(qr, []byte("\x89PNG")) {
		t.Fatal("QR code is not a PNG")
	}
	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil || img.Bounds().Dx() != qrSize {
		t.Errorf("QR image: %v, %v", err, img.Bounds())
	}
	now := time.Unix(1_780_000_015, 0)
	if _, ok := Verify(secret, codeAt(t, secret, now.Unix()/60, 8), 0, now, cfg); !ok {
		t.Error("a code from the new secret was refused")
	}
	other, err := NewSecret()
	if err != nil || other == secret {
		t.Errorf("two secrets are the same (%v)", err)
	}
	if _, _, err := QR(secret, "", "URN-123", cfg); err == nil {
		t.Error("QR without issuer succeeded")
	}
	if _, _, err := QR("not base32!", "Passerelle", "URN-123", cfg); err == nil {
		t.Error("QR of a malformed secret succeeded")
	}
}

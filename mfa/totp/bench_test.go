package totp

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
)

// BenchmarkTOTPVerify is the cost of one check of a valid code with the
// default configuration (6 digits, 30s, skew 1): three HMAC-SHA-1 codes
// computed and compared in constant time.
func BenchmarkTOTPVerify(b *testing.B) {
	now := time.Unix(1_780_000_015, 0)
	cur := now.Unix() / 30
	code := codeAt(b, rfcSecret, cur, 6)
	cfg := mfa.TOTPConfig{}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if step, ok := Verify(rfcSecret, code, 0, now, cfg); !ok || step != cur {
			b.Fatalf("Verify = %d, %v", step, ok)
		}
	}
}

// BenchmarkTOTPVerifyParallel runs the same check on every P (GOMAXPROCS)
// at once: Verify shares no state, so ns/op should fall with the cores.
func BenchmarkTOTPVerifyParallel(b *testing.B) {
	now := time.Unix(1_780_000_015, 0)
	cur := now.Unix() / 30
	code := codeAt(b, rfcSecret, cur, 6)
	cfg := mfa.TOTPConfig{}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := Verify(rfcSecret, code, 0, now, cfg); !ok {
				b.Error("Verify refused a valid code")
				return
			}
		}
	})
}

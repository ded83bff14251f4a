package recovery

import (
	"testing"
)

// BenchmarkRecoveryUse is the cost of one use of a valid code against a
// set of 10: normalising the input, one SHA-256, and ten constant-time
// comparisons. Use never changes the set it is given (it returns a copy
// with the code marked used), so every iteration checks an unused code of
// an unused set; the end of the benchmark verifies that.
func BenchmarkRecoveryUse(b *testing.B) {
	codes, stored, err := Generate(10)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		out, ok := Use(stored, codes[i%len(codes)], now)
		if !ok || Remaining(out) != len(codes)-1 {
			b.Fatalf("Use of code %d: ok %v, remaining %d", i%len(codes), ok, Remaining(out))
		}
	}
	b.StopTimer()
	if Remaining(stored) != len(codes) {
		b.Fatal("Use changed the set it was given")
	}
}

package dormancy_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPass is one sweep pass over a page of PassSize accounts on a
// real bbolt file, none of them idle: the read the sweep adds to the
// store each interval.
func BenchmarkPass(b *testing.B) {
	f := newFixture(b)
	for i := range 1000 {
		f.account(b, fmt.Sprintf("acct-%05d", i))
	}
	f.now = f.now.Add(time.Hour)
	b.ResetTimer()
	for b.Loop() {
		if _, marked, err := f.m.Pass(b.Context(), ""); err != nil || marked != 0 {
			b.Fatal(marked, err)
		}
	}
}

package main

import (
	"testing"
)

// BenchmarkSignIn runs complete brokered sign-ins one after the other
// (authorize, upstream form, callback, TOTP challenge, code, token
// exchange), each in a fresh browser, as `passerelle-bench` does at full
// load. Its ns/op, B/op and allocs/op are the whole process's: the
// broker's, the upstream's and the load generator's. For the broker's
// part alone, profile it: CPU samples of the broker carry the label
// part=broker (-tagfocus=part=broker); in an allocation profile, the
// broker's are those under its handlers (-focus=passerelle/broker).
//
//	go test -run '^$' -bench SignIn -benchtime 2000x -cpuprofile cpu.out -memprofile mem.out ./cmd/passerelle-bench
func BenchmarkSignIn(b *testing.B) {
	s, err := start(b.TempDir(), 8, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ps.SignIn(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

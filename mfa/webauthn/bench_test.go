package webauthn

import (
	"testing"

	"github.com/passerelle/passerelle/store"
)

// BenchmarkWebAuthnFinishLogin is the cost of one FinishLogin of a valid
// assertion: opening the sealed session and credential, parsing the
// response and verifying its ES256 signature. Each iteration needs its
// own challenge, so b.N BeginLogin sessions and b.N assertions signed by
// the software authenticator are prepared before the timer starts.
func BenchmarkWebAuthnFinishLogin(b *testing.B) {
	f, _ := newTestFactor(b)
	key := newSoftKey(b, origin, rpID)
	fa := register(b, f, alice, key)
	factors := []store.Factor{fa}

	sessions := make([][]byte, b.N)
	responses := make([][]byte, b.N)
	for i := range b.N {
		opts, session, err := f.BeginLogin(alice, factors)
		if err != nil {
			b.Fatal(err)
		}
		sessions[i], responses[i] = session, key.get(b, opts)
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		// The stored count stays 0 and each assertion's counter is
		// higher: no clone warning, as after a RecordUse each time.
		used, n, uv, err := f.FinishLogin(alice, sessions[i], factors, responses[i])
		if err != nil || used.ID != fa.ID || n != uint32(i+1) || !uv {
			b.Fatalf("FinishLogin %d: used %q, count %d, uv %v, err %v", i, used.ID, n, uv, err)
		}
	}
}

package broker

import (
	"testing"
	"time"
)

// TestTokenRef: an access token's ID reads back as written, with or
// without a DPoP thumbprint, and nothing else reads as one.
func TestTokenRef(t *testing.T) {
	exp := time.Unix(1_900_000_000, 0)
	for _, want := range []accessTokenRef{{grant: orderedID(time.Now()), exp: exp}, {grant: orderedID(time.Now()), exp: exp, jkt: randomSecret()[:43]}} {
		got, ok := parseTokenRef(want.String())
		if !ok || got != want {
			t.Errorf("parseTokenRef(%q) = %+v %v", want.String(), got, ok)
		}
	}
	for _, bad := range []string{"", "g", "g.", ".1", "g.01", "g.-1", "g.1x", "g.1.short", "g.1." + randomSecret()[:43] + ".x",
		"g\x00.1", "g:.1", "\xff\xfe.1", "g.+1", "g.1.", "g.99999999999999999999", "g..1"} {
		if _, ok := parseTokenRef(bad); ok {
			t.Errorf("parseTokenRef(%q) accepted", bad)
		}
	}
}

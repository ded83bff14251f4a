package broker

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/op"
)

func TestAccessTokenCrypto(t *testing.T) {
	var key, other [32]byte
	rand.Read(key[:])
	rand.Read(other[:])
	c, err := newAccessTokenCrypto(key)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "grant-1.1790000000:subject-1"
	tok, err := c.Encrypt(plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, plain) || strings.Contains(tok, ".") {
		t.Fatalf("sealed token %q shows its content or holds a dot", tok)
	}
	if got, err := c.Decrypt(tok); err != nil || got != plain {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}
	again, _ := c.Encrypt(plain)
	if again == tok {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	// Any changed character, and another key, are refused.
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 1
		if got, err := c.Decrypt(string(b)); err == nil && got == plain {
			t.Fatalf("a token changed at %d opened", i)
		}
	}
	o, _ := newAccessTokenCrypto(other)
	if _, err := o.Decrypt(tok); err == nil {
		t.Error("another key opened the token")
	}
	// A token the library sealed before (a compact JWE) still opens.
	old, err := op.NewAES256GCMCrypto(key, "").Encrypt(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Decrypt(old); err != nil || got != plain {
		t.Errorf("the library's token: %q, %v", got, err)
	}
}

// BenchmarkAccessTokenOpen compares opening an access token sealed here
// with opening one the library sealed (through the fallback, at the
// library's cost): what introspection and userinfo do first.
//
//	go test -run '^$' -bench AccessTokenOpen ./broker
func BenchmarkAccessTokenOpen(b *testing.B) {
	var key [32]byte
	rand.Read(key[:])
	c, _ := newAccessTokenCrypto(key)
	lib := op.NewAES256GCMCrypto(key, "")
	const plain = "Dq3ZqKp0T1mZ2w5Xb8nC4A.1790000000:3q2-7wEjRk6w9m1Hq0pK3zWJkXo8Hc4mM2sAq1vV0yE"
	for name, cr := range map[string]op.Crypto{"here": c, "library": lib} {
		tok, _ := cr.Encrypt(plain)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Decrypt(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

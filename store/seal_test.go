package store

import (
	"bytes"
	"errors"
	"testing"
)

func testSealer(t *testing.T, fill byte) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{fill}, MasterKeySize))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t, 1)
	secret := []byte("PKCS#8 private key")
	sealed, err := s.Seal("signing_key", "k1", secret)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, err := s.Seal("signing_key", "k1", secret)
	if err != nil {
		t.Fatalf("Seal again: %v", err)
	}
	if bytes.Equal(sealed, again) {
		t.Error("two seals of the same value are identical: nonce not random")
	}
	got, err := s.Open("signing_key", "k1", sealed)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("Open = %q, want %q", got, secret)
	}
	empty, err := s.Seal("totp", "f1", nil)
	if err != nil {
		t.Fatalf("Seal empty: %v", err)
	}
	if got, err := s.Open("totp", "f1", empty); err != nil || len(got) != 0 {
		t.Errorf("Open empty = %q, %v", got, err)
	}
}

func TestSealRefuses(t *testing.T) {
	s := testSealer(t, 1)
	sealed, err := s.Seal("signing_key", "k1", []byte("secret"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name     string
		sealer   *Sealer
		kind, id string
		sealed   []byte
	}{
		{"wrong key", testSealer(t, 2), "signing_key", "k1", sealed},
		{"other record ID", s, "signing_key", "k2", sealed},
		{"other record kind", s, "totp", "k1", sealed},
		// Kind and ID must not run together: ("signing_key", "k1")
		// and ("signing_keyk", "1") are different records.
		{"shifted boundary", s, "signing_keyk", "1", sealed},
		{"tampered", s, "signing_key", "k1", tampered},
		{"truncated", s, "signing_key", "k1", sealed[:len(sealed)-1]},
		{"shorter than nonce and tag", s, "signing_key", "k1", sealed[:20]},
		{"empty", s, "signing_key", "k1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.kind, tc.id, tc.sealed)
			if !errors.Is(err, ErrUnseal) {
				t.Errorf("Open = %q, %v; want ErrUnseal", got, err)
			}
		})
	}
}

func TestNewSealerKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestHashToken(t *testing.T) {
	a, b := HashToken("code-a"), HashToken("code-b")
	if len(a) != 32 || bytes.Equal(a, b) || !bytes.Equal(a, HashToken("code-a")) {
		t.Errorf("HashToken: %x, %x", a, b)
	}
}

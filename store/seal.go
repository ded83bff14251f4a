package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// MasterKeySize is the length in bytes of the master key.
const MasterKeySize = 32

// Sealer encrypts secrets at rest with AES-256-GCM. The associated data is
// the record kind and ID, so a ciphertext copied into another record (an
// attacker with write access to the database swapping keys) fails to open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte master key.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("store: master key must be %d bytes, got %d", MasterKeySize, len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("store: master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: master key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext for the record (kind, id). The nonce is random
// and prefixed to the result.
func (s *Sealer) Seal(kind, id string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: seal: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plaintext, associatedData(kind, id)), nil
}

// ErrUnseal means a sealed value did not open: a wrong master key, a
// tampered value, or a value moved from another record.
var ErrUnseal = errors.New("store: sealed value does not open (wrong master key or tampered record)")

// Open decrypts a value sealed for (kind, id).
func (s *Sealer) Open(kind, id string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrUnseal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], associatedData(kind, id))
	if err != nil {
		return nil, ErrUnseal
	}
	return out, nil
}

func associatedData(kind, id string) []byte {
	// kind never contains a NUL, so the pair is unambiguous.
	return []byte(kind + "\x00" + id)
}

package local

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Sizes of a new hash: a 128-bit salt and a 256-bit key.
const (
	saltLen = 16
	keyLen  = 32
)

// phc is an argon2id hash decoded from its PHC string
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash, unpadded base64).
type phc struct {
	params Argon2Config
	salt   []byte
	key    []byte
}

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password under params, with a
// fresh random salt.
func hashPassword(password string, params Argon2Config) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("local: random source: %w", err)
	}
	h := phc{params: params, salt: salt, key: derive(password, salt, params, keyLen)}
	return h.String(), nil
}

func derive(password string, salt []byte, p Argon2Config, n uint32) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, n)
}

func (h phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

var errBadHash = errors.New("local: not an argon2id PHC hash this service wrote")

// parseHash decodes a PHC string written by hashPassword.
func parseHash(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return h, errBadHash
	}
	var m, t, p uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) || m == 0 || t == 0 || p == 0 || p > 255 {
		return h, errBadHash
	}
	h.params = Argon2Config{Time: t, MemoryKiB: m, Threads: uint8(p)}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return h, errBadHash
	}
	return h, nil
}

// matches reports, in constant time for a given hash, whether password
// is the one h was derived from.
func (h phc) matches(password string) bool {
	got := derive(password, h.salt, h.params, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// outdated reports whether h was made with other parameters or sizes than
// a new hash under params would be.
func (h phc) outdated(params Argon2Config) bool {
	return h.params != params || len(h.salt) != saltLen || len(h.key) != keyLen
}

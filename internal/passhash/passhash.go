package passhash

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Bounds of the parameters Parse accepts.
const (
	maxBcryptCost  = 16
	maxArgonMemKiB = 256 << 10
	maxArgonTime   = 16
	maxArgonLanes  = 16
	maxPBKDF2Iter  = 5_000_000
	minSalt        = 4
	maxSalt        = 64
	minKey         = 16
	maxKey         = 128
)

// Hash is a parsed password hash, ready to verify passwords against.
type Hash struct {
	scheme string
	// derive computes the key password gives under the hash's salt and
	// parameters; nil for bcrypt, which compares itself.
	derive func(password string) []byte
	key    []byte
	bcrypt []byte
}

// Scheme names the hash's format: bcrypt, argon2id, argon2i,
// pbkdf2-sha256, pbkdf2-sha512 or pbkdf2-sha1.
func (h Hash) Scheme() string { return h.scheme }

// Verify reports whether password is the one the hash was made from.
func (h Hash) Verify(password string) bool {
	if h.derive == nil {
		return bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil
	}
	return subtle.ConstantTimeCompare(h.derive(password), h.key) == 1
}

var b64 = base64.RawStdEncoding

// Parse reads a hash in one of the formats of the package doc.
func Parse(s string) (Hash, error) {
	switch {
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		return parseBcrypt(s)
	case strings.HasPrefix(s, "$argon2id$"), strings.HasPrefix(s, "$argon2i$"):
		return parseArgon2(s)
	case strings.HasPrefix(s, "$pbkdf2-"):
		return parsePBKDF2(s)
	}
	return Hash{}, fail(ReasonScheme)
}

func parseBcrypt(s string) (Hash, error) {
	cost, err := bcrypt.Cost([]byte(s))
	if err != nil || len(s) != 60 {
		return Hash{}, fail(ReasonBcrypt)
	}
	if cost > maxBcryptCost {
		return Hash{}, fail(ReasonBcryptCost, cost, maxBcryptCost)
	}
	return Hash{scheme: "bcrypt", bcrypt: []byte(s)}, nil
}

// fields splits a PHC string into its $-separated fields; want is how
// many follow the leading empty one.
func fields(s string, want int, scheme string) ([]string, error) {
	parts := strings.Split(s, "$")
	if len(parts) != want+1 || parts[0] != "" {
		return nil, fail(ReasonFields, scheme, want)
	}
	return parts[1:], nil
}

// saltAndKey decodes and bounds the last two fields of a PHC string.
func saltAndKey(scheme, salt, key string) ([]byte, []byte, error) {
	sb, err := b64.DecodeString(salt)
	if err != nil || len(sb) < minSalt || len(sb) > maxSalt {
		return nil, nil, fail(ReasonSalt, scheme, minSalt, maxSalt)
	}
	kb, err := b64.DecodeString(key)
	if err != nil || len(kb) < minKey || len(kb) > maxKey {
		return nil, nil, fail(ReasonKey, scheme, minKey, maxKey)
	}
	return sb, kb, nil
}

func parseArgon2(s string) (Hash, error) {
	p, err := fields(s, 5, "argon2")
	if err != nil {
		return Hash{}, err
	}
	scheme := p[0]
	if p[1] != "v=19" {
		return Hash{}, fail(ReasonArgonVersion, scheme, p[1])
	}
	params := map[string]uint32{}
	for _, kv := range strings.Split(p[2], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || n == 0 {
			return Hash{}, fail(ReasonArgonParams, scheme)
		}
		params[k] = uint32(n)
	}
	m, t, lanes := params["m"], params["t"], params["p"]
	switch {
	case len(params) != 3 || m == 0 || t == 0 || lanes == 0:
		return Hash{}, fail(ReasonArgonParams, scheme)
	case m > maxArgonMemKiB:
		return Hash{}, fail(ReasonArgonMemory, scheme, m, maxArgonMemKiB)
	case t > maxArgonTime || lanes > maxArgonLanes:
		return Hash{}, fail(ReasonArgonTime, scheme, maxArgonTime)
	case m < 8*lanes:
		return Hash{}, fail(ReasonArgonLanes, scheme)
	}
	salt, key, err := saltAndKey(scheme, p[3], p[4])
	if err != nil {
		return Hash{}, err
	}
	kdf := argon2.IDKey
	if scheme == "argon2i" {
		kdf = argon2.Key
	}
	n := uint32(len(key))
	return Hash{scheme: scheme, key: key, derive: func(pw string) []byte {
		return kdf([]byte(pw), salt, t, m, uint8(lanes), n)
	}}, nil
}

var pbkdf2Hashes = map[string]func() hash.Hash{
	"pbkdf2-sha256": sha256.New,
	"pbkdf2-sha512": sha512.New,
	"pbkdf2-sha1":   sha1.New,
}

func parsePBKDF2(s string) (Hash, error) {
	p, err := fields(s, 4, "PBKDF2")
	if err != nil {
		return Hash{}, err
	}
	scheme := p[0]
	h, ok := pbkdf2Hashes[scheme]
	if !ok {
		return Hash{}, fail(ReasonPBKDF2Digest, strings.TrimPrefix(scheme, "pbkdf2-"))
	}
	v, ok := strings.CutPrefix(p[1], "i=")
	iter, err := strconv.Atoi(v)
	if !ok || err != nil || iter < 1 || iter > maxPBKDF2Iter {
		return Hash{}, fail(ReasonPBKDF2Iter, scheme, maxPBKDF2Iter)
	}
	salt, key, err := saltAndKey(scheme, p[2], p[3])
	if err != nil {
		return Hash{}, err
	}
	return Hash{scheme: scheme, key: key, derive: func(pw string) []byte {
		k, err := pbkdf2.Key(h, pw, salt, iter, len(key))
		if err != nil {
			return nil // FIPS-only refusals; compares unequal
		}
		return k
	}}, nil
}

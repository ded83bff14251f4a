package demoidp

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// jwsSigner signs ID tokens as compact JWS (RFC 7515 §7.1) with one key:
// its protected header (alg, kid, typ JWT) encoded once, then per token
// the payload and the signature. go-jose's signer encoded the header
// again and built its JSON serialization for every token, which cost the
// benchmarks' upstream about as much as the Ed25519 signature itself.
type jwsSigner struct {
	header string // base64url of the protected header
	key    any    // ed25519.PrivateKey (EdDSA) or *ecdsa.PrivateKey (ES256)
}

func newJWSSigner(alg jose.SignatureAlgorithm, k jose.JSONWebKey) (*jwsSigner, error) {
	switch k.Key.(type) {
	case ed25519.PrivateKey, *ecdsa.PrivateKey:
	default:
		return nil, fmt.Errorf("demoidp: signer: a %T key", k.Key)
	}
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{string(alg), k.KeyID, "JWT"})
	if err != nil {
		return nil, err
	}
	return &jwsSigner{header: base64.RawURLEncoding.EncodeToString(h), key: k.Key}, nil
}

// sign returns payload signed: header.payload.signature, base64url.
func (j *jwsSigner) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	b := make([]byte, 0, len(j.header)+enc.EncodedLen(len(payload))+enc.EncodedLen(64)+2)
	b = append(b, j.header...)
	b = append(b, '.')
	b = enc.AppendEncode(b, payload)
	var sig []byte
	switch key := j.key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(key, b)
	case *ecdsa.PrivateKey:
		// ES256: R and S, 32 bytes each (RFC 7518 §3.4).
		digest := sha256.Sum256(b)
		r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	b = append(b, '.')
	return string(enc.AppendEncode(b, sig)), nil
}

package webauthn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// softKey is a software authenticator: one ES256 credential that answers
// create and get the way a browser and security key would, with "none"
// attestation. The fields a test may spoil before a ceremony are public.
type softKey struct {
	priv   *ecdsa.PrivateKey
	credID []byte
	Count  uint32 // signature counter; each assertion increments it first
	Origin string // origin written into clientDataJSON
	RPID   string
	UV     bool // set the user-verified flag
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func newSoftKey(t testing.TB, origin, rpID string) *softKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	return &softKey{priv: priv, credID: id, Origin: origin, RPID: rpID, UV: true}
}

// publicKeyOptions is the part of the server's options the key reads.
type publicKeyOptions struct {
	PublicKey struct {
		Challenge          string `json:"challenge"`
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func parseOptions(t testing.TB, optionsJSON []byte) publicKeyOptions {
	t.Helper()
	var o publicKeyOptions
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		t.Fatalf("options: %v", err)
	}
	return o
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (k *softKey) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.Origin, "crossOrigin": false})
	return b
}

// authData is rpIdHash || flags || signCount, then attested credential
// data (zero AAGUID, credential ID, COSE key) when attested.
func (k *softKey) authData(t testing.TB, attested bool) []byte {
	t.Helper()
	rp := sha256.Sum256([]byte(k.RPID))
	flags := byte(flagUP)
	if k.UV {
		flags |= flagUV
	}
	if attested {
		flags |= flagAT
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.Count)
	if !attested {
		return out
	}
	out = append(out, make([]byte, 16)...) // AAGUID
	out = binary.BigEndian.AppendUint16(out, uint16(len(k.credID)))
	out = append(out, k.credID...)
	pub, err := k.priv.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || x || y
	cose, err := cbor.Marshal(map[int]any{
		1:  2,  // kty: EC2
		3:  -7, // alg: ES256
		-1: 1,  // crv: P-256
		-2: point[1:33],
		-3: point[33:],
	})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, cose...)
}

// create answers navigator.credentials.create for optionsJSON.
func (k *softKey) create(t testing.TB, optionsJSON []byte) []byte {
	t.Helper()
	o := parseOptions(t, optionsJSON)
	att, err := cbor.Marshal(map[string]any{
		"fmt":      "none",
		"attStmt":  map[string]any{},
		"authData": k.authData(t, true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return k.encode(t, map[string]any{
		"clientDataJSON":    b64(k.clientData("webauthn.create", o.PublicKey.Challenge)),
		"attestationObject": b64(att),
		"transports":        []string{"usb"},
	})
}

// get answers navigator.credentials.get for optionsJSON, counting one use.
func (k *softKey) get(t testing.TB, optionsJSON []byte) []byte {
	t.Helper()
	o := parseOptions(t, optionsJSON)
	k.Count++
	return k.assert(t, k.clientData("webauthn.get", o.PublicKey.Challenge))
}

// assert signs authenticatorData || SHA-256(clientData).
func (k *softKey) assert(t testing.TB, clientData []byte) []byte {
	t.Helper()
	ad := k.authData(t, false)
	cdh := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte(nil), ad...), cdh[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return k.encode(t, map[string]any{
		"clientDataJSON":    b64(clientData),
		"authenticatorData": b64(ad),
		"signature":         b64(sig),
	})
}

// encode wraps a response as the PublicKeyCredential JSON webauthn.js posts.
func (k *softKey) encode(t testing.TB, response map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id":                     b64(k.credID),
		"rawId":                  b64(k.credID),
		"type":                   "public-key",
		"response":               response,
		"clientExtensionResults": map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

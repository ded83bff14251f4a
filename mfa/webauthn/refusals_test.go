package webauthn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/passerelle/passerelle/store"
)

// Answers the factor must refuse: forged or altered assertions, another
// session's ceremony, registrations it must not accept.

// respField rewrites one field of response.response in a credential JSON.
func respField(t *testing.T, resp []byte, field string, fn func([]byte) []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	r := m["response"].(map[string]any)
	raw, err := base64.RawURLEncoding.DecodeString(r[field].(string))
	if err != nil {
		t.Fatal(err)
	}
	r[field] = base64.RawURLEncoding.EncodeToString(fn(raw))
	out, _ := json.Marshal(m)
	return out
}

func TestInvalidAssertions(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	factors := []store.Factor{fa}

	cases := map[string]func(opts []byte) []byte{
		"tampered clientDataJSON": func(opts []byte) []byte {
			return respField(t, key.get(t, opts), "clientDataJSON", func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"crossOrigin":false`), []byte(`"crossOrigin":false,"x":1`), 1)
			})
		},
		"tampered authenticatorData": func(opts []byte) []byte {
			return respField(t, key.get(t, opts), "authenticatorData", func(b []byte) []byte {
				b[len(b)-1]++ // the counter
				return b
			})
		},
		"wrong origin": func(opts []byte) []byte {
			evil := *key
			evil.Origin = "https://evil.example"
			return evil.get(t, opts)
		},
		"wrong RP ID": func(opts []byte) []byte {
			evil := *key
			evil.RPID = "evil.example"
			return evil.get(t, opts)
		},
		"wrong challenge": func([]byte) []byte {
			key.Count++
			return key.assert(t, key.clientData("webauthn.get", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		},
		"unknown credential": func(opts []byte) []byte {
			return newSoftKey(t, origin, rpID).get(t, opts)
		},
		"registration response": func(opts []byte) []byte {
			return key.create(t, opts)
		},
		"not JSON": func([]byte) []byte { return []byte("{") },
	}
	for name, respond := range cases {
		t.Run(name, func(t *testing.T) {
			opts, session, err := f.BeginLogin(alice, factors)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = f.FinishLogin(alice, session, factors, respond(opts))
			t.Log(err)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSessionBinding(t *testing.T) {
	f, _ := newTestFactor(t)
	key := newSoftKey(t, origin, rpID)
	fa := register(t, f, alice, key)
	factors := []store.Factor{fa}
	bob := User{AccountID: "acct-bob", Name: "9999-8888-7777"}

	regOpts, regSession, err := f.BeginRegistration(alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, session, err := f.BeginLogin(alice, factors)
	if err != nil {
		t.Fatal(err)
	}
	resp := key.get(t, opts)
	if _, _, _, err := f.FinishLogin(alice, regSession, factors, resp); !errors.Is(err, ErrInvalid) {
		t.Errorf("registration session used for login: %v", err)
	}
	if _, _, _, err := f.FinishLogin(bob, session, factors, resp); !errors.Is(err, ErrInvalid) {
		t.Errorf("another account's session: %v", err)
	}
	tampered := append([]byte(nil), session...)
	tampered[len(tampered)-1] ^= 1
	if _, _, _, err := f.FinishLogin(alice, tampered, factors, resp); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered session: %v", err)
	}
	if _, err := f.FinishRegistration(alice, session, newSoftKey(t, origin, rpID).create(t, regOpts), "", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("login session used for registration: %v", err)
	}
}

func TestRegistrationRejects(t *testing.T) {
	f, _ := newTestFactor(t)
	cases := map[string]func(k *softKey){
		"wrong origin": func(k *softKey) { k.Origin = "https://evil.example" },
		"wrong RP ID":  func(k *softKey) { k.RPID = "evil.example" },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			opts, session, err := f.BeginRegistration(alice, nil)
			if err != nil {
				t.Fatal(err)
			}
			key := newSoftKey(t, origin, rpID)
			spoil(key)
			if _, err := f.FinishRegistration(alice, session, key.create(t, opts), "", now); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestUnsolicitedExtensionOutputIgnored(t *testing.T) {
	f, _ := newTestFactor(t)
	opts, session, err := f.BeginRegistration(alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(newSoftKey(t, origin, rpID).create(t, opts), &m); err != nil {
		t.Fatal(err)
	}
	m["clientExtensionResults"] = map[string]any{"credProps": map[string]any{"rk": true}}
	resp, _ := json.Marshal(m)
	if _, err := f.FinishRegistration(alice, session, resp, "", now); err != nil {
		t.Fatalf("registration with an unsolicited credProps output: %v", err)
	}
}

package broker

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

type discard struct{}

func (discard) Send(context.Context, notify.Message) error { return nil }

func openFactors(t *testing.T, issuer string, n notify.Notifier) *mfa.Registry {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "f.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sealer, err := store.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var cfg mfa.Config
	cfg.SetDefaults()
	r, err := mfa.NewRegistry(mfa.Env{Config: cfg, Store: st, Sealer: sealer, Notifier: n, Issuer: issuer}, factorEntries...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFactorAMR: each factor's amr (RFC 8176), through the registry.
func TestFactorAMR(t *testing.T) {
	r := openFactors(t, "https://id.example.org", discard{})
	for kind, want := range map[string][]string{
		store.FactorTOTP: {"otp"}, store.FactorEmail: {"otp"}, store.FactorRecovery: {"otp"},
		store.FactorWebAuthn: {"hwk"}, "sms": nil,
	} {
		if got := r.AMR(kind); !slices.Equal(got, want) {
			t.Errorf("AMR(%q) = %v, want %v", kind, got, want)
		}
	}
}

// TestFactorRegistry: the kinds a person sets up, strongest first; a kind
// that is off is left out (email codes without a notifier, security keys
// on an IP address), and the policy kinds are every kind but the fallback.
func TestFactorRegistry(t *testing.T) {
	if got := openFactors(t, "https://id.example.org", discard{}).Enrollable(); !slices.Equal(got, []string{"webauthn", "totp", "email"}) {
		t.Errorf("Enrollable = %v", got)
	}
	if got := openFactors(t, "http://127.0.0.1:8080", nil).Enrollable(); !slices.Equal(got, []string{"totp"}) {
		t.Errorf("Enrollable without notifier nor domain = %v", got)
	}
	if got := policyKinds(); !slices.Equal(got, []string{"webauthn", "totp", "email"}) {
		t.Errorf("policyKinds = %v", got)
	}
	for _, k := range policyKinds() {
		if !slices.Contains(mfa.FactorKinds(), k) {
			t.Errorf("kind %q has no rung on the default ladder", k)
		}
	}
}

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

// TestFactorRegistry: the kinds a person sets up are the policy kinds
// (every listed kind but the fallback), in the list's order; a kind that
// is off is left out (email codes without a notifier, security keys on an
// IP address); every kind has a rung on the default ladder.
func TestFactorRegistry(t *testing.T) {
	all := policyKinds()
	if slices.Contains(all, store.FactorRecovery) || !slices.Contains(all, store.FactorTOTP) {
		t.Errorf("policyKinds = %v", all)
	}
	if got := openFactors(t, "https://id.example.org", discard{}).Enrollable(); !slices.Equal(got, all) {
		t.Errorf("Enrollable = %v, want %v", got, all)
	}
	off := slices.DeleteFunc(slices.Clone(all), func(k string) bool { return k == store.FactorEmail || k == store.FactorWebAuthn })
	if got := openFactors(t, "http://127.0.0.1:8080", nil).Enrollable(); !slices.Equal(got, off) {
		t.Errorf("Enrollable without notifier nor domain = %v, want %v", got, off)
	}
	for _, k := range append(all, store.FactorRecovery) {
		if !slices.Contains(mfa.FactorKinds(), k) {
			t.Errorf("kind %q has no rung on the default ladder", k)
		}
	}
}

package mfa

import (
	"slices"
	"testing"

	"github.com/passerelle/passerelle/store"
)

func defaultLadder() Ladder {
	var c Config
	c.SetDefaults()
	return c.Ladder()
}

func TestLadderRankAndACRFor(t *testing.T) {
	l := defaultLadder()
	for acr, want := range map[string]int{LOA1: 0, LOA2: 1, LOA3: 2, LOA4: 3, "urn:other": -1, "": -1} {
		if got := l.Rank(acr); got != want {
			t.Errorf("Rank(%q) = %d, want %d", acr, got, want)
		}
	}
	for kind, want := range map[string]string{
		store.FactorEmail: LOA2, store.FactorRecovery: LOA2, store.FactorTOTP: LOA3,
		store.FactorWebAuthn: LOA4, "sms": "",
	} {
		if got := l.ACRFor(kind); got != want {
			t.Errorf("ACRFor(%q) = %q, want %q", kind, got, want)
		}
	}
	if got := l.Lowest(); got != LOA2 {
		t.Errorf("Lowest() = %q, want %q, the level of an email code", got, LOA2)
	}
	// Sign In Canada's ordering: email below an app, an app below a key.
	if !(l.Rank(l.ACRFor(store.FactorEmail)) < l.Rank(l.ACRFor(store.FactorTOTP)) &&
		l.Rank(l.ACRFor(store.FactorTOTP)) < l.Rank(l.ACRFor(store.FactorWebAuthn))) {
		t.Error("default ladder does not rank email < totp < webauthn")
	}
}

func TestLadderSatisfies(t *testing.T) {
	l := defaultLadder()
	for _, tc := range []struct {
		have, want string
		ok         bool
	}{
		{LOA3, LOA2, true},
		{LOA3, LOA3, true},
		{LOA2, LOA3, false},
		{LOA4, LOA1, true},
		{LOA1, LOA2, false},
		{"urn:unknown", LOA1, false},
		{LOA4, "urn:unknown", false},
	} {
		if got := l.Satisfies(tc.have, tc.want); got != tc.ok {
			t.Errorf("Satisfies(%q, %q) = %v, want %v", tc.have, tc.want, got, tc.ok)
		}
	}
}

func TestLadderKindsFor(t *testing.T) {
	l := defaultLadder()
	for want, kinds := range map[string][]string{
		LOA1: {store.FactorEmail, store.FactorRecovery, store.FactorTOTP, store.FactorWebAuthn},
		LOA2: {store.FactorEmail, store.FactorRecovery, store.FactorTOTP, store.FactorWebAuthn},
		LOA3: {store.FactorTOTP, store.FactorWebAuthn},
		LOA4: {store.FactorWebAuthn},
		"x":  nil,
	} {
		if got := l.KindsFor(want); !slices.Equal(got, kinds) {
			t.Errorf("KindsFor(%q) = %v, want %v", want, got, kinds)
		}
	}
}

func TestLadderIsACopy(t *testing.T) {
	var c Config
	c.SetDefaults()
	l := c.Ladder()
	c.ACR[3].Factors[0] = store.FactorEmail
	c.ACR[0].Value = "changed"
	if l.ACRFor(store.FactorWebAuthn) != LOA4 || l.Rank(LOA1) != 0 {
		t.Error("Ladder shares memory with Config")
	}
}

func TestCustomLadder(t *testing.T) {
	c := Config{ACR: []Level{
		{Value: "low", Factors: []string{store.FactorEmail}},
		{Value: "high", Factors: []string{store.FactorTOTP, store.FactorWebAuthn}},
	}}
	l := c.Ladder()
	if l.ACRFor(store.FactorRecovery) != "" || l.ACRFor(store.FactorWebAuthn) != "high" {
		t.Errorf("custom ladder: recovery %q, webauthn %q", l.ACRFor(store.FactorRecovery), l.ACRFor(store.FactorWebAuthn))
	}
	if !slices.Equal(l.Values(), []string{"low", "high"}) {
		t.Errorf("Values = %v", l.Values())
	}
}

// TestMergeAMR; each factor's own amr is tested with the registry
// (broker TestFactorAMR).
func TestMergeAMR(t *testing.T) {
	for _, tc := range []struct {
		name     string
		upstream []string
		factors  [][]string
		want     []string
	}{
		{"password and totp", []string{"pwd"}, [][]string{{AMROTP}}, []string{"pwd", "otp", "mfa"}},
		{"password only", []string{"pwd"}, nil, []string{"pwd"}},
		{"key with uv, no upstream amr", nil, [][]string{{"hwk", "user"}}, []string{"hwk", "user"}},
		{"two otps", []string{"pwd", "otp"}, [][]string{{AMROTP}}, []string{"pwd", "otp", "mfa"}},
	} {
		if got := MergeAMR(tc.upstream, tc.factors...); !slices.Equal(got, tc.want) {
			t.Errorf("%s: MergeAMR = %v, want %v", tc.name, got, tc.want)
		}
	}
}

package mfa_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// bare is a factor that checks its answers no way at all.
type bare struct{}

func (bare) Kind() string  { return "bare" }
func (bare) AMR() []string { return nil }
func (bare) Challenge(context.Context, *mfa.Input, store.Factor) (mfa.Prompt, error) {
	return mfa.Prompt{}, nil
}

// both is a factor that claims both ways of checking an answer.
type both struct{ bare }

func (both) Check(_ *mfa.Input, x store.Factor, _ time.Time) (store.Factor, bool, error) {
	return x, false, nil
}

func (both) Verify(context.Context, *mfa.Input, store.Factor) (bool, error) { return false, nil }

// TestRegistryOneWayToCheck: a factor is a Checker or a Verifier, exactly
// one, so the broker has one path for each answer; any other is refused
// when the registry opens.
func TestRegistryOneWayToCheck(t *testing.T) {
	for name, f := range map[string]mfa.Factor{"neither": bare{}, "both": both{}} {
		_, err := mfa.NewRegistry(mfa.Env{}, mfa.Entry{Kind: "bare", Open: func(mfa.Env) (mfa.Factor, error) { return f, nil }})
		if err == nil || !strings.Contains(err.Error(), "Checker or a Verifier") {
			t.Errorf("%s: NewRegistry = %v, want a refusal", name, err)
		}
	}
}

package orgs_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// TestVoidLetters: a business reports a letter stolen; the administrator
// voids every letter of its pending organization, the thief's code no
// longer activates it, and the business asks for a new letter, which
// does. An active organization has no letters to void.
func TestVoidLetters(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	o, err := f.svc.Create(ctx, "pip", map[string]string{"en": "Acme", "fr": "Acme"}, "BN123", store.OrgPending)
	if err != nil {
		t.Fatal(err)
	}
	export := func() string {
		t.Helper()
		f.request(t, "owner", "BN123")
		letters := f.export(t)
		if len(letters) != 1 {
			t.Fatalf("letters: %v", letters)
		}
		return letters[0].Code
	}
	stolen := export()
	if n, err := f.svc.VoidLetters(ctx, "pip", o.ID, orgs.Actor{Admin: true}); err != nil || n != 1 {
		t.Fatalf("void: %d %v", n, err)
	}
	if _, err := f.svc.Activate(ctx, "pip", "thief", "BN123", stolen); !errors.Is(err, orgs.ErrCodeUnknown) {
		t.Errorf("the stolen code after the void: %v", err)
	}
	fresh := export()
	got, err := f.svc.Activate(ctx, "pip", "owner", "BN123", fresh)
	if err != nil || got.Owner != "owner" {
		t.Fatalf("the new letter: %+v %v", got, err)
	}
	if _, err := f.svc.VoidLetters(ctx, "pip", o.ID, orgs.Actor{Admin: true}); !errors.Is(err, orgs.ErrNotPending) {
		t.Errorf("voiding an active organization's letters: %v", err)
	}
	if _, err := f.svc.VoidLetters(ctx, "pip", "nope", orgs.Actor{Admin: true}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("voiding an unknown organization's letters: %v", err)
	}
}

// TestLetterRequestsPerAccount: one signed-in person asking for letters
// for every business of a register gets MaxLetterRequests of them mailed
// in an activation_ttl, then none (answered alike); another person is
// not held back, and the count starts again after activation_ttl.
func TestLetterRequestsPerAccount(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	number := func(i int) string { return fmt.Sprintf("BN%03d", i) }
	for i := range orgs.MaxLetterRequests + 3 {
		if _, err := f.svc.Create(ctx, "pip", map[string]string{"en": "B", "fr": "B"}, number(i), store.OrgPending); err != nil {
			t.Fatal(err)
		}
	}
	for i := range orgs.MaxLetterRequests + 2 {
		f.request(t, "collector", number(i))
	}
	if n := len(f.export(t)); n != orgs.MaxLetterRequests {
		t.Errorf("one account had %d letters mailed, want %d", n, orgs.MaxLetterRequests)
	}
	f.request(t, "owner", number(orgs.MaxLetterRequests))
	if n := len(f.export(t)); n != 1 {
		t.Errorf("another person's request: %d letters", n)
	}
	f.clock.Advance(orgs.DefaultActivationTTL + time.Minute)
	f.request(t, "collector", number(orgs.MaxLetterRequests+2))
	if n := len(f.export(t)); n != 1 {
		t.Errorf("after activation_ttl: %d letters", n)
	}
}

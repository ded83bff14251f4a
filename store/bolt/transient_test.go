package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestAuthRequestsBounded: the auth requests an anonymous visitor can
// start are held in memory up to MaxAuthRequests; past it, Create first
// drops the expired ones, then the oldest nobody has signed in to yet,
// and refuses only when the live ones are all signed in to. None of them
// costs a durable write, and they are gone with the process (a reopened
// file has none).
func TestAuthRequestsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{Now: clock, MaxAuthRequests: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	before := s.Writes()
	for i, account := range []string{"acct", "", "acct"} {
		if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: fmt.Sprint("ar-", i), AccountID: account, ExpiresAt: now.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	// ar-1, nobody signed in to it, makes way.
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-3", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("create past the bound with an anonymous request held: %v", err)
	}
	if _, err := s.GetAuthRequest(ctx, "ar-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the oldest anonymous request after it made way: %v, want ErrNotFound", err)
	}
	if err := s.UpdateAuthRequest(ctx, "ar-3", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.AccountID = "acct"
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-4", ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, errFull) {
		t.Fatalf("create past the bound, all signed in to: %v, want errFull", err)
	}
	now = now.Add(90 * time.Second) // ar-0 expired
	if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-4", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("create once one expired: %v", err)
	}
	if _, err := s.GetAuthRequest(ctx, "ar-2"); err != nil {
		t.Fatalf("a signed-in request after creates past the bound: %v", err)
	}
	if err := s.UpdateAuthRequest(ctx, "ar-4", func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Done = true
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.GetAuthRequest(ctx, "ar-4"); err != nil || !r.Done {
		t.Fatalf("GetAuthRequest after update: %+v, %v", r, err)
	}
	if n := s.Writes() - before; n != 0 {
		t.Errorf("auth requests made %d durable writes, want 0", n)
	}
	if n, err := s.Sweep(ctx, now.Add(2*time.Minute)); err != nil || n != 1 {
		t.Errorf("Sweep = %d, %v; want 1 (ar-2)", n, err)
	}
	s.Close()
	s, err = Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetAuthRequest(ctx, "ar-4"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an auth request after a restart: %v, want ErrNotFound", err)
	}
}

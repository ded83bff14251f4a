package mfatest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// Epoch is the time every Clock starts at.
var Epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at Epoch.
func NewClock() *Clock { return &Clock{t: Epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Store opens a bbolt store in t.TempDir() that reads time from now, and
// closes it when the test ends.
func Store(t testing.TB, now func() time.Time) store.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "passerelle.db"), bolt.Options{Now: now})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// Account creates an account with this ID (and a link to a test
// provider) and returns it.
func Account(t testing.TB, st store.Store, id string) store.Account {
	t.Helper()
	a := store.Account{ID: id, URN: "urn-" + id, CreatedAt: Epoch}
	l := store.Link{Provider: "test", Subject: id, AccountID: id, CreatedAt: Epoch}
	if err := st.CreateAccount(context.Background(), a, l); err != nil {
		t.Fatalf("CreateAccount(%s): %v", id, err)
	}
	return a
}

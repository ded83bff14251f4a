package orgs_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

// clock is a manual clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is the rules over a real bbolt file, for client "pip" only,
// with the events they audited.
type fixture struct {
	svc    *orgs.Service
	cfg    *orgs.Config // pip's
	st     store.Store
	clock  *clock
	mu     sync.Mutex
	events []string // kind/outcome/reason
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}}
	st, err := bolt.Open(filepath.Join(t.TempDir(), "store.db"), bolt.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f.st = st
	cfg := orgs.TrustedTrader()
	f.cfg = cfg
	of := func(id string) (*orgs.Config, bool) { return cfg, id == "pip" }
	f.svc = orgs.New(st, of, f.clock.Now, func(_ context.Context, kind, _, _, outcome string, d map[string]string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.events = append(f.events, kind+"/"+outcome+"/"+d["reason"])
	})
	return f
}

// account stores an account with a URN, family name and email.
func (f *fixture) account(t *testing.T, id string) store.Account {
	t.Helper()
	a := store.Account{ID: id, URN: "URN-" + id, FamilyName: "Name" + id, Email: id + "@example.ca", CreatedAt: f.clock.Now()}
	if err := f.st.CreateAccount(t.Context(), a, store.Link{Provider: "gckey", Subject: id}); err != nil {
		t.Fatal(err)
	}
	return a
}

// active creates an active organization of pip owned by owner.
func (f *fixture) active(t *testing.T, owner string) store.Organization {
	t.Helper()
	o, err := f.svc.Create(t.Context(), "pip", map[string]string{"en": "Acme", "fr": "Acme"}, "", store.OrgActive)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddMember(t.Context(), "pip", o.ID, orgs.Actor{Admin: true}, owner, "account_owner"); err != nil {
		t.Fatal(err)
	}
	return o
}

// request has who ask pip for an activation letter for the organization
// numbered number; every request is answered alike.
func (f *fixture) request(t *testing.T, who, number string) {
	t.Helper()
	if _, err := f.svc.RequestActivation(t.Context(), "pip", who, number); err != nil {
		t.Fatalf("%s asks for %s: %v", who, number, err)
	}
}

// export runs pip's export of activation letters and returns the
// letters it mailed.
func (f *fixture) export(t *testing.T) []orgs.Letter {
	t.Helper()
	letters, err := f.svc.Letters(t.Context(), "pip")
	if err != nil {
		t.Fatal(err)
	}
	return letters
}

// as is a person acting.
func as(account string) orgs.Actor { return orgs.Actor{Account: account} }

package postgres

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// TestGrantReadAfterRevocation is the holder of a stolen access token
// introspecting it again right after its owner revoked the grant, while
// an introspection of the same grant asked for before the revocation is
// still on its way back: the read asked for after the revocation goes in
// a statement of its own, begun after it was asked, and sees the grant
// revoked (one that joined the statement already sent would see it
// active). Reads queued together each get their own grant, a missing
// one none, one whose account is gone the account's ErrNotFound.
func TestGrantReadAfterRevocation(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, now)
	ctx := t.Context()
	createGrants(t, s, []string{"acct-1", "acct-2"},
		store.Grant{ID: "g-1", AccountID: "acct-1", ClientID: "portal", ExpiresAt: now.Add(time.Hour)},
		store.Grant{ID: "g-2", AccountID: "acct-2", ClientID: "portal", ExpiresAt: now.Add(time.Hour)},
		store.Grant{ID: "g-orphan", AccountID: "acct-gone", ClientID: "portal", ExpiresAt: now.Add(time.Hour)})
	holdStalls(s.grantReads)
	sent := s.grantReads.fetch
	began, hold := make(chan struct{}), make(chan struct{})
	var first sync.Once
	s.grantReads.fetch = func(ctx context.Context, ids []string) (map[string]grantRow, error) {
		rows, err := sent(ctx, ids)
		first.Do(func() { close(began); <-hold })
		return rows, err
	}
	type read struct {
		g   store.Grant
		a   store.Account
		err error
	}
	readOf := func(id string) chan read {
		out := make(chan read, 1)
		go func() {
			g, a, err := s.GetGrantWithAccount(ctx, id)
			out <- read{g, a, err}
		}()
		return out
	}
	before := readOf("g-1")
	<-began // its statement has read the grant, live
	if err := s.UpdateGrant(ctx, "g-1", func(g store.Grant) (store.Grant, error) {
		g.Revoked = true
		return g, nil
	}); err != nil {
		t.Fatal(err)
	}
	after, other, missing, orphan := readOf("g-1"), readOf("g-2"), readOf("g-none"), readOf("g-orphan")
	queuedReads(s.grantReads, 4)
	close(hold)
	if r := <-before; r.err != nil || r.g.Revoked {
		t.Errorf("the read asked for before the revocation: %+v", r)
	}
	if r := <-after; r.err != nil || !r.g.Revoked {
		t.Errorf("the read asked for after the revocation gave revoked=%v (err %v), want a revoked grant", r.g.Revoked, r.err)
	}
	if r := <-other; r.err != nil || r.g.ID != "g-2" || r.a.ID != "acct-2" || r.g.Revoked {
		t.Errorf("g-2 read beside it: %+v", r)
	}
	if r := <-missing; !errors.Is(r.err, store.ErrNotFound) {
		t.Errorf("a grant never created: %+v, want ErrNotFound", r)
	}
	if r := <-orphan; r.g.ID != "g-orphan" || !errors.Is(r.err, store.ErrNotFound) {
		t.Errorf("a grant whose account is gone: %+v, want the grant and ErrNotFound", r)
	}
}

// TestGrantReadsShareNothing: reads of the same grant queued
// together go as one key, and each caller still gets its own row and its
// own slices (one changing its grant's scopes or hash reaches no other).
func TestGrantReadsShareNothing(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, now)
	ctx := t.Context()
	var grants []store.Grant
	for _, id := range []string{"g-1", "g-2"} {
		grants = append(grants, store.Grant{ID: id, AccountID: "acct-1", ClientID: "portal", Scopes: []string{"openid", id},
			RefreshHash: store.HashToken(id), ExpiresAt: now.Add(time.Hour)})
	}
	createGrants(t, s, []string{"acct-1"}, grants...)
	holdStalls(s.grantReads)
	sent := s.grantReads.fetch
	began, hold := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var batch []string
	s.grantReads.fetch = func(ctx context.Context, ids []string) (map[string]grantRow, error) {
		once.Do(func() { close(began); <-hold })
		if len(ids) > 1 {
			batch = append([]string(nil), ids...)
		}
		return sent(ctx, ids)
	}
	go s.GetGrantWithAccount(ctx, "g-1")
	<-began
	type res struct {
		g   store.Grant
		err error
	}
	out := make(chan res, 4)
	for _, id := range []string{"g-1", "g-2", "g-1", "g-2"} {
		go func() {
			g, _, err := s.GetGrantWithAccount(ctx, id)
			out <- res{g, err}
		}()
	}
	queuedReads(s.grantReads, 4)
	close(hold)
	var got []store.Grant
	for range 4 {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		got = append(got, r.g)
	}
	mutated := map[string]bool{}
	for _, g := range got {
		if g.Scopes[1] != g.ID {
			t.Fatalf("wrong row: %+v", g)
		}
		if !mutated[g.ID] {
			mutated[g.ID] = true
			g.Scopes[0] = "mutated"
			g.RefreshHash[0] ^= 0xff
			continue
		}
		if g.Scopes[0] != "openid" || !bytes.Equal(g.RefreshHash, store.HashToken(g.ID)) {
			t.Fatalf("two readers share a grant's slices: %+v", g)
		}
	}
	g, _, err := s.GetGrantWithAccount(ctx, "g-1")
	if err != nil || g.Scopes[0] != "openid" {
		t.Fatalf("shared slices: %+v %v", g, err)
	}
	if len(batch) != 2 {
		t.Errorf("the queued reads went as %q, want g-1 and g-2 once each", batch)
	}
}

// TestGrantReadsPastHungStatement: one statement that hangs (a
// half-open pooled connection after a network blip or failover answers
// nothing until the 5 s query timeout) holds up the read of another
// grant only until the read has waited coalescedStall: it then goes in a
// statement of its own, though the one before it has not ended (and
// never ends while the test runs). (Review finding: every read queued
// behind it waited for the timeout.)
func TestGrantReadsPastHungStatement(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openAt(t, now)
	ctx := t.Context()
	createGrants(t, s, []string{"acct-1"},
		store.Grant{ID: "g-stuck", AccountID: "acct-1", ClientID: "portal", ExpiresAt: now.Add(time.Hour)},
		store.Grant{ID: "g-ok", AccountID: "acct-1", ClientID: "portal", ExpiresAt: now.Add(time.Hour)})
	clk := holdStalls(s.grantReads)
	sent := s.grantReads.fetch
	stuck, unstick := make(chan struct{}), make(chan struct{})
	defer close(unstick)
	s.grantReads.fetch = func(ctx context.Context, ids []string) (map[string]grantRow, error) {
		if slices.Contains(ids, "g-stuck") {
			close(stuck)
			<-unstick // the dead connection: nothing comes back while the test runs
			return nil, errors.New("connection reset")
		}
		return sent(ctx, ids)
	}
	go s.GetGrantWithAccount(ctx, "g-stuck")
	<-stuck
	go func() {
		queuedReads(s.grantReads, 1)
		clk.advance(time.Hour) // the read of g-ok has waited a stall
		s.grantReads.unstall()
	}()
	// Queued behind the hung statement for good, it would end at the
	// query timeout (5 s) with context.DeadlineExceeded.
	g, _, err := s.GetGrantWithAccount(ctx, "g-ok")
	if err != nil || g.ID != "g-ok" {
		t.Errorf("read of a healthy grant while another statement hangs: %v", err)
	}
}

// createGrants stores an account for each ID of accounts, then grants.
func createGrants(t *testing.T, s *Store, accounts []string, grants ...store.Grant) {
	t.Helper()
	for _, id := range accounts {
		a := store.Account{ID: id, URN: "URN-" + id}
		if err := s.CreateAccount(t.Context(), a, store.Link{Provider: "gckey", Subject: "s-" + id, AccountID: id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range grants {
		if err := s.CreateGrant(t.Context(), g); err != nil {
			t.Fatal(err)
		}
	}
}

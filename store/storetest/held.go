package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// NewBoundedStore builds an empty store holding at most max auth
// requests (Options.MaxAuthRequests), reading the time from now.
type NewBoundedStore func(t *testing.T, now func() time.Time, max int) store.Store

// RunHeldAuthRequests runs the attacks on the bound of sign-ins in
// progress by a holder (store.MaxHeldAuthRequests): a person who can
// pass a credential (their own account at a public upstream, or one
// stolen password) and keeps their sign-ins unfinished.
func RunHeldAuthRequests(t *testing.T, newStore NewBoundedStore) {
	t.Run("GreedyHolderCannotFill", func(t *testing.T) { testGreedyHolderCannotFill(t, newStore) })
	t.Run("FloodSparesNewest", func(t *testing.T) { testFloodSparesNewest(t, newStore) })
}

// heldTable drives one bounded store as the attacks do.
type heldTable struct {
	t   *testing.T
	ctx context.Context
	s   store.Store
	now time.Time
}

func newHeldTable(t *testing.T, newStore NewBoundedStore, max int) *heldTable {
	h := &heldTable{t: t, ctx: t.Context(), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.s = newStore(t, func() time.Time { return h.now }, max)
	return h
}

// start creates an anonymous sign-in, failing the test if it is refused.
func (h *heldTable) start(id string) { h.create(id, "") }

// create creates a sign-in, held by the account unless it is "" (as the
// account page starts one), failing the test if it is refused.
func (h *heldTable) create(id, account string) {
	h.t.Helper()
	r := store.AuthRequest{ID: id, ClientID: "portal", AccountID: account, CreatedAt: h.now, ExpiresAt: h.now.Add(time.Hour)}
	if err := h.s.CreateAuthRequest(h.ctx, r); err != nil {
		h.t.Fatalf("create %s: %v", id, err)
	}
}

// pass makes the sign-in at id past its credential, held by the account
// (or, when account is "", by the upstream identity gckey/subject).
func (h *heldTable) pass(id, account, subject string) {
	h.t.Helper()
	if err := h.s.UpdateAuthRequest(h.ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
		r.AccountID = account
		if account == "" {
			r.NewIdentity = &store.UpstreamIdentity{Provider: "gckey", Subject: subject}
		}
		return r, nil
	}); err != nil {
		h.t.Fatalf("pass the credential of %s: %v", id, err)
	}
}

// signIn starts a sign-in and passes the account's credential in it.
func (h *heldTable) signIn(id, account string) {
	h.t.Helper()
	h.start(id)
	h.pass(id, account, "")
}

// held fails the test unless every sign-in in ids is still held.
func (h *heldTable) held(what string, ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		if _, err := h.s.GetAuthRequest(h.ctx, id); err != nil {
			h.t.Errorf("%s: %s: %v", what, id, err)
		}
	}
}

// greedyIDs are the IDs of the greedy holder's sign-ins from..to-1.
func greedyIDs(from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprint("greedy-", i))
	}
	return ids
}

// testGreedyHolderCannotFill: one account passing its credential in ten
// times more sign-ins than the table holds (half of them started signed
// in, as from the account page), never finishing one, cannot make the
// table refuse a newcomer's; its own newest MaxHeldAuthRequests stay.
func testGreedyHolderCannotFill(t *testing.T, newStore NewBoundedStore) {
	const max = 20
	h := newHeldTable(t, newStore, max)
	greedy := func(from, to int) {
		for i := from; i < to; i++ {
			if i%2 == 0 {
				h.create(fmt.Sprint("greedy-", i), "mallory")
			} else {
				h.signIn(fmt.Sprint("greedy-", i), "mallory")
			}
		}
	}
	greedy(0, 10*max)
	h.start("newcomer")
	h.pass("newcomer", "sam", "")
	greedy(10*max, 11*max)
	h.held("the newcomer's sign-in past a greedy holder's", "newcomer")
	h.held("the greedy holder's newest", greedyIDs(11*max-store.MaxHeldAuthRequests, 11*max)...)
}

// testFloodSparesNewest: a flood of anonymous sign-ins and a greedy
// holder's, each three times the table, never end another person's
// newest sign-ins past their credential (an account's with several tabs,
// a first-time upstream identity's, one that moves from the identity to
// the account it creates); the person's sign-in beyond
// MaxHeldAuthRequests is evictable like an anonymous one, and the greedy
// holder keeps its own newest.
func testFloodSparesNewest(t *testing.T, newStore NewBoundedStore) {
	const max = 30
	h := newHeldTable(t, newStore, max)
	var tabs []string
	for i := range store.MaxHeldAuthRequests + 1 {
		tabs = append(tabs, fmt.Sprint("alice-", i))
		h.signIn(tabs[i], "alice")
	}
	h.start("bob")
	h.pass("bob", "", "bob")
	h.start("carol")
	h.pass("carol", "", "carol")
	for i := range 3 * max {
		h.start(fmt.Sprint("anon-", i))
		h.signIn(fmt.Sprint("greedy-", i), "mallory")
		if i == max {
			h.pass("carol", "carol-account", "")
		}
	}
	h.held("the person's newest tabs", tabs[1:]...)
	h.held("the first-time identities' sign-ins", "bob", "carol")
	h.held("the greedy holder's newest", greedyIDs(3*max-store.MaxHeldAuthRequests, 3*max)...)
	if _, err := h.s.GetAuthRequest(h.ctx, tabs[0]); err == nil {
		t.Errorf("the person's tab beyond the %d newest outlived a flood of %d", store.MaxHeldAuthRequests, 6*max)
	}
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// localUser builds a confirmed local user: every field a backend must
// keep is set, so a dropped column shows up as a JSON difference.
func localUser(id, username, email string) store.LocalUser {
	return store.LocalUser{
		ID:                id,
		Username:          username,
		Email:             email,
		PasswordHash:      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdC0" + id + "$aGFzaC0" + id,
		Confirmed:         true,
		CreatedAt:         epoch,
		PasswordChangedAt: epoch.Add(time.Minute),
	}
}

// pendingUser builds an unconfirmed local user that expires after ttl.
func pendingUser(id, username, email string, ttl time.Duration) store.LocalUser {
	u := localUser(id, username, email)
	u.Confirmed, u.ExpiresAt = false, epoch.Add(ttl)
	return u
}

// lookUpLocal reads a local user by ID, username and email, and checks
// that the three agree with want; with want nil, that all three are
// ErrNotFound.
func lookUpLocal(t *testing.T, s store.Store, id, username, email string, want *store.LocalUser, what string) {
	t.Helper()
	ctx := t.Context()
	for _, by := range []struct {
		name string
		get  func() (store.LocalUser, error)
	}{
		{"GetLocalUser", func() (store.LocalUser, error) { return s.GetLocalUser(ctx, id) }},
		{"GetLocalUserByUsername", func() (store.LocalUser, error) { return s.GetLocalUserByUsername(ctx, username) }},
		{"GetLocalUserByEmail", func() (store.LocalUser, error) { return s.GetLocalUserByEmail(ctx, email) }},
	} {
		got, err := by.get()
		if want == nil {
			wantErr(t, err, store.ErrNotFound, by.name+" "+what)
			continue
		}
		must(t, err, by.name+" "+what)
		same(t, got, *want, by.name+" "+what)
	}
}

// keepLocal is an update function that changes nothing.
func keepLocal(u store.LocalUser) (store.LocalUser, error) { return u, nil }

// testLocalUsers: create, the three lookups, the duplicate and missing
// cases, and updates (a refused one writes nothing).
func testLocalUsers(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	alice := localUser("lu-1", "alice", "alice@example.ca")
	must(t, s.CreateLocalUser(ctx, alice), "CreateLocalUser")
	lookUpLocal(t, s, "lu-1", "alice", "alice@example.ca", &alice, "created")

	for _, dup := range []struct {
		what string
		u    store.LocalUser
	}{
		{"duplicate ID", localUser("lu-1", "bob", "bob@example.ca")},
		{"duplicate username", localUser("lu-2", "alice", "bob@example.ca")},
		{"duplicate email", localUser("lu-2", "bob", "alice@example.ca")},
		{"duplicate username held by a pending user", pendingUser("lu-2", "alice", "bob@example.ca", time.Hour)},
	} {
		wantErr(t, s.CreateLocalUser(ctx, dup.u), store.ErrAlreadyExists, "CreateLocalUser "+dup.what)
	}
	// The refused users left nothing behind.
	lookUpLocal(t, s, "lu-2", "bob", "bob@example.ca", nil, "refused")
	lookUpLocal(t, s, "lu-1", "alice", "alice@example.ca", &alice, "after refused duplicates")

	// Lookups are exact: the service normalises before it asks.
	_, err := s.GetLocalUserByUsername(ctx, "Alice")
	wantErr(t, err, store.ErrNotFound, "GetLocalUserByUsername other case")
	_, err = s.GetLocalUserByEmail(ctx, "")
	wantErr(t, err, store.ErrNotFound, "GetLocalUserByEmail empty")
	_, err = s.GetLocalUser(ctx, "lu-none")
	wantErr(t, err, store.ErrNotFound, "GetLocalUser missing")

	must(t, s.UpdateLocalUser(ctx, "lu-1", func(u store.LocalUser) (store.LocalUser, error) {
		u.PasswordHash, u.PasswordChangedAt = "$argon2id$v=19$m=65536,t=3,p=1$bmV3$bmV3", epoch.Add(time.Hour)
		return u, nil
	}), "UpdateLocalUser password")
	alice.PasswordHash, alice.PasswordChangedAt = "$argon2id$v=19$m=65536,t=3,p=1$bmV3$bmV3", epoch.Add(time.Hour)
	lookUpLocal(t, s, "lu-1", "alice", "alice@example.ca", &alice, "after update")

	wantErr(t, s.UpdateLocalUser(ctx, "lu-1", func(u store.LocalUser) (store.LocalUser, error) {
		u.Username, u.Email, u.PasswordHash = "refused", "refused@example.ca", "refused"
		return u, errRefused
	}), errRefused, "UpdateLocalUser refused by fn")
	lookUpLocal(t, s, "lu-1", "alice", "alice@example.ca", &alice, "after a refused update")
	lookUpLocal(t, s, "lu-none", "refused", "refused@example.ca", nil, "refused update's values")

	wantErr(t, s.UpdateLocalUser(ctx, "lu-none", keepLocal), store.ErrNotFound, "UpdateLocalUser missing")
}

// testLocalUserExpiry: an unconfirmed user past ExpiresAt reads and
// updates as missing, and no longer reserves its ID, username or email;
// a confirmed user never expires.
func testLocalUserExpiry(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	pending := pendingUser("lu-p", "pat", "pat@example.ca", 24*time.Hour)
	confirmed := localUser("lu-c", "cleo", "cleo@example.ca")
	confirmed.ExpiresAt = epoch.Add(time.Hour) // ignored once confirmed
	other := pendingUser("lu-o", "olga", "olga@example.ca", 24*time.Hour)
	for _, u := range []store.LocalUser{pending, confirmed, other} {
		must(t, s.CreateLocalUser(ctx, u), "CreateLocalUser "+u.ID)
	}

	clk.Advance(24*time.Hour - time.Second)
	lookUpLocal(t, s, "lu-p", "pat", "pat@example.ca", &pending, "just before expiry")
	wantErr(t, s.CreateLocalUser(ctx, pendingUser("lu-x", "pat", "x@example.ca", time.Hour)),
		store.ErrAlreadyExists, "CreateLocalUser with the username of a pending user")

	clk.Advance(2 * time.Second)
	lookUpLocal(t, s, "lu-p", "pat", "pat@example.ca", nil, "expired")
	lookUpLocal(t, s, "lu-c", "cleo", "cleo@example.ca", &confirmed, "confirmed, past its ExpiresAt")
	called := false
	wantErr(t, s.UpdateLocalUser(ctx, "lu-p", flagCall[store.LocalUser](&called)), store.ErrNotFound, "UpdateLocalUser expired")
	if called {
		t.Error("an update function ran on an expired local user")
	}

	// A new registration takes the expired user's username; its email is
	// free too, for a third registration.
	byName := pendingUser("lu-n", "pat", "new@example.ca", time.Hour)
	byName.CreatedAt, byName.ExpiresAt = clk.Now(), clk.Now().Add(time.Hour)
	must(t, s.CreateLocalUser(ctx, byName), "CreateLocalUser with an expired user's username")
	lookUpLocal(t, s, "lu-n", "pat", "new@example.ca", &byName, "registered over an expired user")
	byMail := localUser("lu-m", "mia", "pat@example.ca")
	must(t, s.CreateLocalUser(ctx, byMail), "CreateLocalUser with an expired user's email")
	lookUpLocal(t, s, "lu-m", "mia", "pat@example.ca", &byMail, "registered over an expired user's email")
	_, err := s.GetLocalUser(ctx, "lu-p")
	wantErr(t, err, store.ErrNotFound, "GetLocalUser replaced")

	// An expired user's ID is free as well, and its old username with it.
	sameID := localUser("lu-o", "oscar", "oscar@example.ca")
	must(t, s.CreateLocalUser(ctx, sameID), "CreateLocalUser with an expired user's ID")
	lookUpLocal(t, s, "lu-o", "oscar", "oscar@example.ca", &sameID, "registered with an expired user's ID")
	_, err = s.GetLocalUserByUsername(ctx, "olga")
	wantErr(t, err, store.ErrNotFound, "username of a replaced user")
	must(t, s.CreateLocalUser(ctx, localUser("lu-q", "olga", "olga@example.ca")), "CreateLocalUser with a replaced user's username")

	// Confirming clears the expiry: the user stays once the clock passes it.
	must(t, s.UpdateLocalUser(ctx, "lu-n", func(u store.LocalUser) (store.LocalUser, error) {
		u.Confirmed, u.ExpiresAt = true, time.Time{}
		return u, nil
	}), "UpdateLocalUser confirm")
	clk.Advance(2 * time.Hour)
	byName.Confirmed, byName.ExpiresAt = true, time.Time{}
	lookUpLocal(t, s, "lu-n", "pat", "new@example.ca", &byName, "confirmed after registration")
}

// testLocalUserChanges: an update that takes another live user's
// username or email is ErrConflict and writes nothing; one that changes
// its own moves the index, freeing the old value; an expired user's value
// can be taken.
func testLocalUserChanges(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	a := localUser("lu-a", "anna", "anna@example.ca")
	b := localUser("lu-b", "ben", "ben@example.ca")
	gone := pendingUser("lu-g", "gus", "gus@example.ca", -time.Minute)
	for _, u := range []store.LocalUser{a, b, gone} {
		must(t, s.CreateLocalUser(ctx, u), "CreateLocalUser "+u.ID)
	}

	for _, c := range []struct {
		what            string
		username, email string
	}{
		{"another user's username", "ben", "anna@example.ca"},
		{"another user's email", "anna", "ben@example.ca"},
		{"a new username and another user's email", "anne", "ben@example.ca"},
	} {
		wantErr(t, s.UpdateLocalUser(ctx, "lu-a", func(u store.LocalUser) (store.LocalUser, error) {
			u.Username, u.Email, u.PasswordHash = c.username, c.email, "changed"
			return u, nil
		}), store.ErrConflict, "UpdateLocalUser to "+c.what)
	}
	lookUpLocal(t, s, "lu-a", "anna", "anna@example.ca", &a, "after conflicts")
	lookUpLocal(t, s, "lu-b", "ben", "ben@example.ca", &b, "other user after conflicts")
	_, err := s.GetLocalUserByUsername(ctx, "anne")
	wantErr(t, err, store.ErrNotFound, "username of a conflicting update")

	must(t, s.UpdateLocalUser(ctx, "lu-a", func(u store.LocalUser) (store.LocalUser, error) {
		u.Username, u.Email = "annie", "annie@example.ca"
		return u, nil
	}), "UpdateLocalUser to a new username and email")
	a.Username, a.Email = "annie", "annie@example.ca"
	lookUpLocal(t, s, "lu-a", "annie", "annie@example.ca", &a, "after the change")
	lookUpLocal(t, s, "lu-none", "anna", "anna@example.ca", nil, "old values")
	must(t, s.CreateLocalUser(ctx, localUser("lu-c", "anna", "anna@example.ca")), "CreateLocalUser with freed values")

	must(t, s.UpdateLocalUser(ctx, "lu-b", func(u store.LocalUser) (store.LocalUser, error) {
		u.Username = "gus"
		return u, nil
	}), "UpdateLocalUser to an expired user's username")
	b.Username = "gus"
	lookUpLocal(t, s, "lu-b", "gus", "ben@example.ca", &b, "after taking an expired user's username")
	must(t, s.CreateLocalUser(ctx, localUser("lu-d", "dora", "gus@example.ca")), "CreateLocalUser with the expired user's email")
}

// testSweepLocalUsers: Sweep deletes unconfirmed users past ExpiresAt,
// counts them, frees their username and email, and keeps the others.
func testSweepLocalUsers(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	live := pendingUser("lu-live", "liv", "liv@example.ca", 2*time.Hour)
	confirmed := localUser("lu-conf", "con", "con@example.ca")
	confirmed.ExpiresAt = epoch.Add(time.Minute)
	for _, u := range []store.LocalUser{
		pendingUser("lu-old-1", "old1", "old1@example.ca", time.Minute),
		pendingUser("lu-old-2", "old2", "old2@example.ca", time.Minute),
		live, confirmed,
	} {
		must(t, s.CreateLocalUser(ctx, u), "CreateLocalUser "+u.ID)
	}

	n, err := s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep")
	if n != 2 {
		t.Errorf("Sweep = %d, want 2 (two expired registrations)", n)
	}
	n, err = s.Sweep(ctx, epoch.Add(time.Hour))
	must(t, err, "Sweep again")
	if n != 0 {
		t.Errorf("Sweep again = %d, want 0", n)
	}

	// The store's own clock still says epoch: only deletion explains a
	// missing user.
	lookUpLocal(t, s, "lu-old-1", "old1", "old1@example.ca", nil, "swept")
	lookUpLocal(t, s, "lu-live", "liv", "liv@example.ca", &live, "live registration after Sweep")
	lookUpLocal(t, s, "lu-conf", "con", "con@example.ca", &confirmed, "confirmed user after Sweep")
	must(t, s.CreateLocalUser(ctx, localUser("lu-new", "old1", "old2@example.ca")), "CreateLocalUser with swept values")
}

// testCreateLocalUserOnce: one username registered many times at once
// (each racer with its own ID and email) ends up with exactly one user;
// the losers leave nothing behind.
func testCreateLocalUserOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	id := func(i int) string { return fmt.Sprintf("lu-%d", i) }
	email := func(i int) string { return fmt.Sprintf("racer-%d@example.ca", i) }
	errs := race(func(i int) error {
		return s.CreateLocalUser(ctx, pendingUser(id(i), "popular", email(i), time.Hour))
	})
	winner := oneWinner(t, errs, store.ErrAlreadyExists)
	got, err := s.GetLocalUserByUsername(ctx, "popular")
	must(t, err, "GetLocalUserByUsername")
	if got.ID != id(winner) {
		t.Errorf("username resolves to %q, the winner is %q", got.ID, id(winner))
	}
	for i := range racers {
		if i == winner {
			continue
		}
		_, err := s.GetLocalUser(ctx, id(i))
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("loser %d's user", i))
		_, err = s.GetLocalUserByEmail(ctx, email(i))
		wantErr(t, err, store.ErrNotFound, fmt.Sprintf("loser %d's email", i))
	}
}

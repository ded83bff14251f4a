package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testGrantWithSession: the grant, the session it brings and the
// deletion of the session it replaces commit together or not at all; a
// code spent already (the grant's ID known) creates no second session.
func testGrantWithSession(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	previous := session("cookie-old", "acct-1", time.Hour)
	must(t, s.CreateSession(ctx, previous), "CreateSession")
	must(t, s.CreateGrant(ctx, grant("g-taken", "acct-1", "rt-taken", time.Hour)), "CreateGrant")

	// A refused grant (its ID known: its code spent) writes neither the
	// session nor the deletion.
	wantErr(t, s.CreateGrantWithSession(ctx, grant("g-taken", "acct-1", "rt-refused", time.Hour), session("cookie-1", "acct-1", time.Hour), previous.Hash),
		store.ErrAlreadyExists, "CreateGrantWithSession with a known ID")
	_, err := s.GetGrantByRefreshHash(ctx, "g-taken", store.HashToken("rt-refused"))
	wantErr(t, err, store.ErrNotFound, "refresh hash of a refused grant")
	_, err = s.GetSession(ctx, store.HashToken("cookie-1"))
	wantErr(t, err, store.ErrNotFound, "GetSession of a refused grant's session")
	_, err = s.GetSession(ctx, previous.Hash)
	must(t, err, "GetSession of the session a refused grant would have replaced")

	g, sess := grant("g-1", "acct-1", "rt-1", time.Hour), session("cookie-1", "acct-1", time.Hour)
	must(t, s.CreateGrantWithSession(ctx, g, sess, previous.Hash), "CreateGrantWithSession")
	got, err := s.GetGrantByRefreshHash(ctx, "g-1", store.HashToken("rt-1"))
	must(t, err, "GetGrantByRefreshHash")
	same(t, got, g, "the grant created with its session, by its refresh hash")
	gotSess, err := s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession")
	same(t, gotSess, sess, "GetSession")
	_, err = s.GetSession(ctx, previous.Hash)
	wantErr(t, err, store.ErrNotFound, "GetSession of the replaced session")
	list, err := s.ListSessions(ctx, "acct-1")
	must(t, err, "ListSessions")
	if len(list) != 1 || list[0].ID != sess.ID {
		t.Errorf("ListSessions = %+v, want the new session alone", list)
	}

	// The code again: the grant exists, so no second session.
	wantErr(t, s.CreateGrantWithSession(ctx, grant("g-1", "acct-1", "rt-2", time.Hour), session("cookie-2", "acct-1", time.Hour), sess.Hash),
		store.ErrAlreadyExists, "CreateGrantWithSession replayed")
	_, err = s.GetSession(ctx, store.HashToken("cookie-2"))
	wantErr(t, err, store.ErrNotFound, "GetSession of a replay's session")
	_, err = s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession of the first redemption's session after a replay")

	// Nothing to replace, or a replaced session gone already, or no
	// refresh token: the grant and the session all the same.
	must(t, s.CreateGrantWithSession(ctx, grant("g-2", "acct-1", "", time.Hour), session("cookie-3", "acct-1", time.Hour), nil),
		"CreateGrantWithSession replacing nothing")
	must(t, s.CreateGrantWithSession(ctx, grant("g-3", "acct-1", "rt-3", time.Hour), session("cookie-4", "acct-1", time.Hour), store.HashToken("cookie-gone")),
		"CreateGrantWithSession replacing a session gone")
	for _, c := range []string{"cookie-3", "cookie-4"} {
		_, err := s.GetSession(ctx, store.HashToken(c))
		must(t, err, "GetSession "+c)
	}
}

// testRedeemWithSessionOnce: of racing redemptions of one code, each
// bringing its own session, exactly one creates the grant and exactly
// its session exists.
func testRedeemWithSessionOnce(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	previous := session("cookie-old", "acct-1", time.Hour)
	must(t, s.CreateSession(ctx, previous), "CreateSession")
	errs := race(func(i int) error {
		return s.CreateGrantWithSession(ctx, grant("ar-1", "acct-1", fmt.Sprintf("rt-%d", i), time.Hour),
			session(fmt.Sprintf("cookie-%d", i), "acct-1", time.Hour), previous.Hash)
	})
	winner := oneWinner(t, errs, store.ErrAlreadyExists)
	list, err := s.ListSessions(ctx, "acct-1")
	must(t, err, "ListSessions")
	if want := "sid-" + fmt.Sprintf("cookie-%d", winner); len(list) != 1 || list[0].ID != want {
		t.Errorf("sessions after the race: %+v, want %s alone", list, want)
	}
}

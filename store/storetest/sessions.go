package storetest

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

func testSessions(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	sess := session("cookie-1", "acct-1", 8*time.Hour)
	must(t, s.CreateSession(ctx, sess), "CreateSession")
	wantErr(t, s.CreateSession(ctx, sess), store.ErrAlreadyExists, "CreateSession duplicate")
	got, err := s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession")
	same(t, got, sess, "GetSession")
	_, err = s.GetSession(ctx, store.HashToken("cookie-9"))
	wantErr(t, err, store.ErrNotFound, "GetSession missing")

	must(t, s.UpdateSession(ctx, sess.Hash, func(x store.Session) (store.Session, error) {
		x.LastSeenAt = epoch.Add(time.Hour)
		x.AMR = append(x.AMR, "mfa")
		x.Clients = append(x.Clients, "tax")
		return x, nil
	}), "UpdateSession")
	sess.LastSeenAt, sess.AMR, sess.Clients = epoch.Add(time.Hour), []string{"fed", "hwk", "mfa"}, []string{"portal", "tax"}
	got, err = s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession after update")
	same(t, got, sess, "GetSession after update")
	wantErr(t, s.UpdateSession(ctx, store.HashToken("cookie-9"), func(x store.Session) (store.Session, error) { return x, nil }),
		store.ErrNotFound, "UpdateSession missing")

	must(t, s.DeleteSession(ctx, sess.Hash), "DeleteSession")
	_, err = s.GetSession(ctx, sess.Hash)
	wantErr(t, err, store.ErrNotFound, "GetSession deleted")
	wantErr(t, s.DeleteSession(ctx, sess.Hash), store.ErrNotFound, "DeleteSession twice")
}

func testDeleteSessionsByAccount(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	for _, sess := range []store.Session{
		session("a-1", "acct-a", time.Hour),
		session("a-2", "acct-a", time.Hour),
		session("b-1", "acct-b", time.Hour),
	} {
		must(t, s.CreateSession(ctx, sess), "CreateSession")
	}
	n, err := s.DeleteSessionsByAccount(ctx, "acct-a")
	must(t, err, "DeleteSessionsByAccount")
	if n != 2 {
		t.Errorf("DeleteSessionsByAccount = %d, want 2", n)
	}
	for _, c := range []string{"a-1", "a-2"} {
		_, err := s.GetSession(ctx, store.HashToken(c))
		wantErr(t, err, store.ErrNotFound, "GetSession "+c)
	}
	_, err = s.GetSession(ctx, store.HashToken("b-1"))
	must(t, err, "GetSession of another account")
	n, err = s.DeleteSessionsByAccount(ctx, "acct-a")
	must(t, err, "DeleteSessionsByAccount again")
	if n != 0 {
		t.Errorf("DeleteSessionsByAccount again = %d, want 0", n)
	}
	// A new session of the same account is tracked afresh.
	must(t, s.CreateSession(ctx, session("a-3", "acct-a", time.Hour)), "CreateSession after sign-out")
	n, err = s.DeleteSessionsByAccount(ctx, "acct-a")
	must(t, err, "DeleteSessionsByAccount after new session")
	if n != 1 {
		t.Errorf("DeleteSessionsByAccount after new session = %d, want 1", n)
	}
}

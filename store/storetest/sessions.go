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

// testListSessions: an account's live sessions, with the upstream sign-in
// each came from; not another account's, not an expired one, not a
// deleted one.
func testListSessions(t *testing.T, newStore NewStore) {
	s, clk := open(t, newStore)
	ctx := t.Context()
	a1, a2 := session("a-1", "acct-a", time.Hour), session("a-2", "acct-a", 3*time.Hour)
	a1.Upstream = &store.UpstreamSession{Subject: "idp!sp!pai-1", Index: "idx-1"}
	for _, sess := range []store.Session{a1, a2, session("a-3", "acct-a", 3*time.Hour), session("b-1", "acct-b", time.Hour)} {
		must(t, s.CreateSession(ctx, sess), "CreateSession")
	}
	must(t, s.DeleteSession(ctx, store.HashToken("a-3")), "DeleteSession")
	list := func(account string) map[string]store.Session {
		t.Helper()
		got, err := s.ListSessions(ctx, account)
		must(t, err, "ListSessions "+account)
		out := map[string]store.Session{}
		for _, x := range got {
			out[x.ID] = x
		}
		return out
	}
	got := list("acct-a")
	if len(got) != 2 {
		t.Fatalf("ListSessions(acct-a) = %v, want a-1 and a-2", got)
	}
	same(t, got[a1.ID], a1, "ListSessions a-1 with its upstream sign-in")
	same(t, got[a2.ID], a2, "ListSessions a-2")
	if got := list("acct-none"); len(got) != 0 {
		t.Errorf("ListSessions of an unknown account = %v", got)
	}
	clk.Advance(2 * time.Hour) // a-1 has expired
	if got := list("acct-a"); len(got) != 1 || got[a2.ID].ID != a2.ID {
		t.Errorf("ListSessions after a-1 expired = %v, want a-2 only", got)
	}
}

package bolt

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/store"
)

// TestGroupCommit: the writes that arrive while a commit runs wait for it,
// then share one commit, however many they are; each gets its own answer
// (a refused write fails alone, the others land).
func TestGroupCommit(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	ctx := t.Context()
	dup := store.Session{Hash: store.HashToken("dup"), AccountID: "a"}
	if err := s.CreateSession(ctx, dup); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.write(ctx, func(tx *bbolt.Tx) error {
			close(started)
			<-release
			return save(tx, sessions, store.Session{Hash: store.HashToken("held"), AccountID: "a"})
		})
	}()
	<-started
	before := s.Commits()

	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sess := store.Session{Hash: store.HashToken(fmt.Sprint("s-", i)), AccountID: "a"}
			if i == 0 {
				sess = dup
			}
			errs[i] = s.CreateSession(ctx, sess)
		})
	}
	for queued(s.commits) < n {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("the held write: %v", err)
	}
	if got := s.Commits() - before; got != 2 {
		t.Errorf("%d commits for the held write and the %d queued behind it, want 2", got, n)
	}
	if !errors.Is(errs[0], store.ErrAlreadyExists) {
		t.Errorf("the refused write: %v, want ErrAlreadyExists", errs[0])
	}
	for i := 1; i < n; i++ {
		if _, err := s.GetSession(ctx, store.HashToken(fmt.Sprint("s-", i))); errs[i] != nil || err != nil {
			t.Errorf("write %d, queued with a refused one: %v, then %v", i, errs[i], err)
		}
	}
}

// queued is how many writes wait for the next commit.
func queued(c *committer) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// TestGroupCommitAfterPanic: a write that panics while it commits alone
// (its writer recovers) leaves the lead free, so the next write commits
// instead of queuing forever behind a leader that is gone.
func TestGroupCommitAfterPanic(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	ctx := t.Context()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panicking write did not panic")
			}
		}()
		_ = s.write(ctx, func(*bbolt.Tx) error { panic("write fn") })
	}()
	s.commits.mu.Lock()
	leading := s.commits.leading
	s.commits.mu.Unlock()
	if leading {
		t.Fatal("a write panicked while leading and the lead stayed taken: every later write would wait forever")
	}
	if err := s.CreateSession(ctx, store.Session{Hash: store.HashToken("after"), AccountID: "a"}); err != nil {
		t.Fatalf("the write after the panic: %v", err)
	}
}

// TestAuditSharesCommit: an audit batch queued while a commit runs goes
// into the next commit with the writes queued beside it, instead of
// taking the file's write lock for a commit of its own.
func TestAuditSharesCommit(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	ctx := t.Context()
	started, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // before Close, were the test to stop early
	held := make(chan error, 1)
	go func() {
		held <- s.write(ctx, func(tx *bbolt.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	before, audits := s.Commits(), s.AuditCommits()
	if err := s.AppendAudit(ctx, store.AuditEvent{ID: "e1", Time: time.Now(), Kind: "signin"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.CreateSession(ctx, store.Session{Hash: store.HashToken("s"), AccountID: "a"}); err != nil {
			t.Error(err)
		}
	})
	// A batch that went around the group commit would wait for the
	// file's write lock instead, and never queue.
	for i := 0; queued(s.commits) < 2; i++ {
		if i == 1_000_000 {
			t.Fatal("the audit batch never queued for the group commit")
		}
		runtime.Gosched()
	}
	releaseOnce()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	events, err := s.ListAudit(ctx, time.Time{}, 0)
	if err != nil || len(events) != 1 {
		t.Fatalf("audit log: %v, %v", events, err)
	}
	if got := s.Commits() - before; got != 2 {
		t.Errorf("%d commits for the held write, then the audit batch and the write queued beside it, want 2", got)
	}
	if got := s.AuditCommits() - audits; got != 1 {
		t.Errorf("%d audit batches committed, want 1", got)
	}
}

// TestAppendOrderedPagesFilled: grants whose IDs come in time order (the
// broker's orderedID), with their refresh entries, fill their pages to
// appendFill (90%) as the pages split, not to bbolt's half.
func TestAppendOrderedPagesFilled(t *testing.T) {
	s := newStore(t, time.Now).(*Store)
	at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	if err := s.write(t.Context(), func(tx *bbolt.Tx) error {
		for i := range 2000 {
			id := randid.Ordered(at.Add(time.Duration(i)*time.Second), 16)
			if err := putGrant(tx, store.Grant{ID: id, ClientID: "portal", AccountID: "acct-1", Subject: "sub-1",
				RefreshHash: store.HashToken(id), CreatedAt: at, ExpiresAt: at.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketGrants, indexRefreshByGrant} {
			st := tx.Bucket(name).Stats()
			if fill := float64(st.LeafInuse) / float64(st.LeafPageN*s.db.Info().PageSize); st.LeafPageN < 10 || fill < 0.75 {
				t.Errorf("%s: %d leaves %.0f%% full, want them 75%% full or more", name, st.LeafPageN, 100*fill)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

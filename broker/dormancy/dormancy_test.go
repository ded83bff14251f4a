package dormancy_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
)

var epoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

const twoYears = 2 * 365 * 24 * time.Hour

func TestIdle(t *testing.T) {
	now := epoch.Add(twoYears + time.Hour)
	for _, tc := range []struct {
		name  string
		a     store.Account
		after time.Duration
		want  bool
	}{
		{"off", store.Account{CreatedAt: epoch, LastLoginAt: epoch}, 0, false},
		{"unused since creation", store.Account{CreatedAt: epoch, LastLoginAt: epoch}, twoYears, true},
		{"signed in lately", store.Account{CreatedAt: epoch, LastLoginAt: now.Add(-time.Hour)}, twoYears, false},
		{"never signed in, created lately", store.Account{CreatedAt: now.Add(-time.Hour)}, twoYears, false},
		{"reactivated lately", store.Account{CreatedAt: epoch, LastLoginAt: epoch, ReactivatedAt: now.Add(-time.Hour)}, twoYears, false},
		{"exactly the period", store.Account{CreatedAt: epoch, LastLoginAt: now.Add(-twoYears)}, twoYears, false},
		{"marked already", store.Account{CreatedAt: epoch, LastLoginAt: epoch, DormantSince: epoch.Add(twoYears)}, twoYears, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dormancy.Idle(tc.a, tc.after, now); got != tc.want {
				t.Errorf("Idle = %v, want %v", got, tc.want)
			}
		})
	}
}

type fixture struct {
	st     *bolt.Store
	now    time.Time
	mu     sync.Mutex
	marked []string // "id by"
	m      dormancy.Marker
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{now: epoch}
	st, err := bolt.Open(t.TempDir()+"/d.db", bolt.Options{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	f.m = dormancy.Marker{St: st, After: twoYears, Now: func() time.Time { return f.now },
		Marked: func(_ context.Context, id, by string) {
			f.mu.Lock()
			f.marked = append(f.marked, id+" "+by)
			f.mu.Unlock()
		}}
	return f
}

func (f *fixture) account(t testing.TB, id string) {
	t.Helper()
	a := store.Account{ID: id, URN: "URN-" + id, CreatedAt: f.now, LastLoginAt: f.now}
	if err := f.st.CreateAccount(context.Background(), a, store.Link{Provider: "gckey", Subject: id, AccountID: id, CreatedAt: f.now}); err != nil {
		t.Fatal(err)
	}
}

// signIn is a sign-in of account id, read first as the broker reads it.
func (f *fixture) signIn(t testing.TB, id string) (store.Account, error) {
	t.Helper()
	a, err := f.st.GetAccount(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f.m.SignedIn(t.Context(), a)
}

// TestSignedInAfterAStaleRead: the sweep marks the account between the
// sign-in's read and its write, whether that read showed it idle or
// active (its sign-in time due to be recorded); the sign-in decides on
// the stored record: the account comes back dormant, marked once, by
// the sweep, its sign-in time not written.
func TestSignedInAfterAStaleRead(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.account(t, "idle")
	f.account(t, "active")
	f.now = f.now.Add(twoYears + time.Hour)
	var reads []store.Account
	for _, id := range []string{"idle", "active"} {
		read, err := f.st.GetAccount(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		reads = append(reads, read)
	}
	reads[1].LastLoginAt = f.now.Add(-2 * time.Hour)
	if _, _, err := f.m.Pass(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, read := range reads {
		a, err := f.m.SignedIn(ctx, read)
		if err != nil || !a.DormantSince.Equal(f.now) {
			t.Fatalf("a sign-in of %s read before the sweep marked it: %+v, %v; want it dormant", read.ID, a, err)
		}
		stored, err := f.st.GetAccount(ctx, read.ID)
		if err != nil || !stored.LastLoginAt.Equal(epoch) {
			t.Errorf("%s's sign-in time after the sign-in of a dormant account: %v, %v; want it unwritten", read.ID, stored.LastLoginAt, err)
		}
	}
	if fmt.Sprint(f.marked) != "[active sweep idle sweep]" {
		t.Errorf("marked %v, want each once by the sweep", f.marked)
	}
}

func TestSignedInMarksAnIdleAccountAndEndsWhatItHolds(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.account(t, "a1")
	sess := store.Session{ID: "s1", Hash: store.HashToken("cookie"), AccountID: "a1", AuthTime: f.now, ExpiresAt: f.now.Add(twoYears * 2)}
	if err := f.st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(twoYears / 2)
	a, err := f.signIn(t, "a1")
	if err != nil || dormancy.Dormant(a) || !a.LastLoginAt.Equal(f.now) {
		t.Fatalf("a sign-in within the period: %+v, %v", a, err)
	}
	f.now = f.now.Add(twoYears + time.Minute)
	a, err = f.signIn(t, "a1")
	if err != nil || !a.DormantSince.Equal(f.now) {
		t.Fatalf("a sign-in after the period: dormant since %v, %v", a.DormantSince, err)
	}
	if _, err := f.st.GetSession(ctx, sess.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the dormant account's session lives on: %v", err)
	}
	// The next sign-in changes nothing: it neither revives nor re-marks.
	marked := f.now
	f.now = f.now.Add(24 * time.Hour)
	a, err = f.signIn(t, "a1")
	if err != nil || !a.DormantSince.Equal(marked) || a.LastLoginAt.After(marked) {
		t.Fatalf("a dormant account's sign-in changed it: %+v, %v", a, err)
	}
	if fmt.Sprint(f.marked) != "[a1 sign-in]" {
		t.Errorf("marked %v, want once by sign-in", f.marked)
	}
	if err := dormancy.Reactivate(ctx, f.st, "a1", f.now); err != nil {
		t.Fatal(err)
	}
	if err := dormancy.Reactivate(ctx, f.st, "a1", f.now); !errors.Is(err, dormancy.ErrNotDormant) {
		t.Errorf("reactivating an active account: %v, want ErrNotDormant", err)
	}
	a, err = f.signIn(t, "a1")
	if err != nil || dormancy.Dormant(a) {
		t.Fatalf("the sign-in after reactivation: %+v, %v", a, err)
	}
}

func TestPassMarksIdleAccountsPageByPage(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	n := dormancy.PassSize + 50
	for i := range n {
		f.account(t, fmt.Sprintf("acct-%04d", i))
	}
	f.now = f.now.Add(twoYears / 2)
	// One in three signs in halfway, and so stays active.
	active := 0
	for i := 0; i < n; i += 3 {
		if _, err := f.signIn(t, fmt.Sprintf("acct-%04d", i)); err != nil {
			t.Fatal(err)
		}
		active++
	}
	f.now = epoch.Add(twoYears + time.Hour)
	cursor, total := "", 0
	for pass := 0; ; pass++ {
		next, marked, err := f.m.Pass(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		total += marked
		if next == "" {
			if pass != 1 {
				t.Errorf("%d accounts took %d passes, want 2", n, pass+1)
			}
			break
		}
		cursor = next
	}
	if total != n-active || len(f.marked) != n-active {
		t.Errorf("marked %d (told %d), want %d", total, len(f.marked), n-active)
	}
	if _, marked, _ := f.m.Pass(ctx, ""); marked != 0 {
		t.Errorf("a second pass marked %d again", marked)
	}
	a, err := f.st.GetAccount(ctx, "acct-0000")
	if err != nil || dormancy.Dormant(a) {
		t.Errorf("an account used within the period was marked: %+v, %v", a, err)
	}
}

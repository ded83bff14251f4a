package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// TestAuthRequestCap: at Options.MaxAuthRequests a create first drops
// the expired requests, then evicts the oldest one nobody has signed in
// to; a table whose every request is past its credential refuses, and a
// deletion makes room again. The triggers' counts follow every insert,
// delete and sweep.
func TestAuthRequestCap(t *testing.T) {
	dsn := pgtest.Schema(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(t.Context(), dsn, Options{Now: func() time.Time { return now }, MaxAuthRequests: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	create := func(id string, lifetime time.Duration) error {
		return s.CreateAuthRequest(ctx, store.AuthRequest{ID: id, ClientID: "portal", ExpiresAt: now.Add(lifetime)})
	}
	signIn := func(id string) {
		t.Helper()
		if err := s.UpdateAuthRequest(ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
			r.AccountID = "acct-" + id
			return r, nil
		}); err != nil {
			t.Fatalf("sign in to %s: %v", id, err)
		}
	}
	held := func(want ...string) {
		t.Helper()
		rows, err := s.pool.Query(ctx, "SELECT id FROM auth_requests ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("auth requests held: %v, want %v", got, want)
		}
		checkCounted(t, s)
	}

	for _, id := range []string{"a", "b", "c"} {
		if err := create(id, time.Hour); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
	}
	signIn("b")
	if err := create("d", time.Minute); err != nil {
		t.Fatalf("create d at the cap: %v", err)
	}
	held("b", "c", "d") // a, the oldest nobody signed in to, went; b stays
	if err := create("e", time.Hour); err != nil {
		t.Fatalf("create e at the cap: %v", err)
	}
	held("b", "d", "e") // then c

	now = now.Add(2 * time.Minute) // d expires
	if err := create("f", time.Hour); err != nil {
		t.Fatalf("create f at the cap: %v", err)
	}
	held("b", "e", "f") // the expired d went, not e

	signIn("e")
	signIn("f")
	err = create("g", time.Hour)
	if !errors.Is(err, errFull) {
		t.Fatalf("create with every request past its credential: %v, want errFull", err)
	}
	held("b", "e", "f")

	if err := s.DeleteAuthRequest(ctx, "e"); err != nil {
		t.Fatal(err)
	}
	if err := create("g", time.Hour); err != nil {
		t.Fatalf("create after a deletion: %v", err)
	}
	held("b", "f", "g")
	if err := create("g", time.Hour); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("create g again: %v, want ErrAlreadyExists", err)
	}
	now = now.Add(2 * time.Hour)
	if n, err := s.Sweep(ctx, now); err != nil || n != 3 {
		t.Fatalf("Sweep = %d, %v; want 3", n, err)
	}
	held()
}

// TestAuthRequestCapAcrossReplicas: replicas creating at once over one
// database hold the cap within one request per creator in flight.
func TestAuthRequestCapAcrossReplicas(t *testing.T) {
	const limit, creators = 20, 8
	s := acrossReplicas(t, limit, creators, func(s *Store, id string) error {
		return s.CreateAuthRequest(t.Context(), store.AuthRequest{ID: id, ExpiresAt: time.Now().Add(time.Hour)})
	})
	var n int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM auth_requests").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < limit || n > limit+creators {
		t.Errorf("%d auth requests held, want %d to %d", n, limit, limit+creators)
	}
	checkCounted(t, s)
}

// stepsPerCreator is how many steps each creator of acrossReplicas runs.
const stepsPerCreator = 25

// acrossReplicas opens two replicas over one new schema, each holding at
// most limit auth requests, and has creators run step at once,
// stepsPerCreator times each with a new request ID, on alternate replicas; it fails the test
// on each error step returns, and returns the first replica.
func acrossReplicas(t *testing.T, limit, creators int, step func(s *Store, id string) error) *Store {
	t.Helper()
	dsn := pgtest.Schema(t)
	var replicas [2]*Store
	for i := range replicas {
		s, err := Open(t.Context(), dsn, Options{MaxAuthRequests: limit})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, creators*stepsPerCreator)
	for c := range creators {
		wg.Go(func() {
			for i := range stepsPerCreator {
				if err := step(replicas[c%2], fmt.Sprintf("r%d-%d", c, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v", err)
	}
	return replicas[0]
}

// checkCounted fails unless the triggers' counts add up to the rows.
func checkCounted(t *testing.T, s *Store) {
	t.Helper()
	var rows, counted int
	if err := s.pool.QueryRow(context.Background(),
		"SELECT (SELECT count(*) FROM auth_requests), (SELECT coalesce(sum(n), 0) FROM auth_request_counts)").Scan(&rows, &counted); err != nil {
		t.Fatal(err)
	}
	if rows != counted {
		t.Errorf("auth_request_counts adds up to %d, the table holds %d", counted, rows)
	}
}

// TestHeldAuthRequests runs the attacks on the bound per holder.
func TestHeldAuthRequests(t *testing.T) {
	pgtest.DSN(t)
	storetest.RunHeldAuthRequests(t, func(t *testing.T, now func() time.Time, max int) store.Store {
		s, err := Open(t.Context(), pgtest.Schema(t), Options{Now: now, MaxAuthRequests: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestHeldAcrossReplicas: replicas passing one holder's credential in
// many sign-ins at once neither deadlock nor protect more than
// store.MaxHeldAuthRequests of them, within one per creator in flight.
func TestHeldAcrossReplicas(t *testing.T) {
	const limit, creators = 40, 8
	s := acrossReplicas(t, limit, creators, func(s *Store, id string) error {
		if err := s.CreateAuthRequest(t.Context(), store.AuthRequest{ID: id, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			return fmt.Errorf("create: %w", err)
		}
		err := s.UpdateAuthRequest(t.Context(), id, func(r store.AuthRequest) (store.AuthRequest, error) {
			r.AccountID = "mallory"
			return r, nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) { // evicted meanwhile
			return fmt.Errorf("pass: %w", err)
		}
		return nil
	})
	var protected int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM auth_requests WHERE NOT evictable").Scan(&protected); err != nil {
		t.Fatal(err)
	}
	if protected > store.MaxHeldAuthRequests+creators {
		t.Errorf("%d of one holder's requests protected, want at most %d", protected, store.MaxHeldAuthRequests+creators)
	}
	t.Logf("%d of one holder's requests protected after %d passed at once", protected, creators*stepsPerCreator)
	checkCounted(t, s)
}

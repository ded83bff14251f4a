package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/clonetest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/storetest"
)

// TestAuthRequestsBounded: the auth requests an anonymous visitor can
// start are held in memory up to MaxAuthRequests. A create past it drops
// the expired ones, then evicts the oldest nobody has signed in to yet;
// one past its credential (an account named) is never evicted, and only
// a table full of those refuses. None costs a durable write, and they are
// gone with the process (a reopened file has none).
func TestAuthRequestsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{Now: clock, MaxAuthRequests: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	before := s.Writes()
	create := func(id string, ttl time.Duration) error {
		return s.CreateAuthRequest(ctx, store.AuthRequest{ID: id, ExpiresAt: now.Add(ttl)})
	}
	signedIn := func(id string) {
		t.Helper()
		if err := s.UpdateAuthRequest(ctx, id, func(r store.AuthRequest) (store.AuthRequest, error) {
			r.AccountID = "acct-" + id
			return r, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	held := func(want ...string) {
		t.Helper()
		for i := range 7 {
			id := fmt.Sprint("ar-", i)
			_, err := s.GetAuthRequest(ctx, id)
			wanted := false
			for _, w := range want {
				wanted = wanted || w == id
			}
			if wanted != (err == nil) {
				t.Errorf("%s: held %v, want %v (%v)", id, err == nil, wanted, err)
			}
		}
	}
	for i := range 3 {
		if err := create(fmt.Sprint("ar-", i), time.Duration(i+1)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	signedIn("ar-0")
	if err := create("ar-3", time.Hour); err != nil {
		t.Fatalf("create past the bound: %v", err)
	}
	held("ar-0", "ar-2", "ar-3") // ar-1, the oldest anonymous one, evicted
	if err := create("ar-4", time.Hour); err != nil {
		t.Fatal(err)
	}
	held("ar-0", "ar-3", "ar-4")
	signedIn("ar-3")
	signedIn("ar-4")
	if err := create("ar-5", time.Hour); !errors.Is(err, errFull) {
		t.Fatalf("create with every request past its credential: %v, want errFull", err)
	}
	now = now.Add(90 * time.Second) // ar-0 expired
	if err := create("ar-5", time.Hour); err != nil {
		t.Fatalf("create once one expired: %v", err)
	}
	held("ar-3", "ar-4", "ar-5")
	if n := s.Writes() - before; n != 0 {
		t.Errorf("auth requests made %d durable writes, want 0", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	held()
}

// TestAuthRequestsSwept: Sweep drops the expired auth requests and
// counts them.
func TestAuthRequestsSwept(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	for i := range 5 {
		if err := s.CreateAuthRequest(t.Context(), store.AuthRequest{ID: fmt.Sprint("ar-", i), ExpiresAt: now.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Sweep(t.Context(), now.Add(150*time.Second)); err != nil || n != 2 {
		t.Errorf("Sweep = %d, %v; want 2", n, err)
	}
	if _, err := s.GetAuthRequest(t.Context(), "ar-2"); err != nil {
		t.Errorf("ar-2 after Sweep: %v", err)
	}
}

// TestAuthRequestsOrderBounded: the creation order the eviction reads
// forgets deleted keys, so churn (sign-ins that finish, floods evicted)
// never grows it past a small multiple of the table.
func TestAuthRequestsOrderBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "p.db"), Options{Now: func() time.Time { return now }, MaxAuthRequests: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 1000 {
		id := fmt.Sprint("ar-", i)
		if err := s.CreateAuthRequest(t.Context(), store.AuthRequest{ID: id, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := s.DeleteAuthRequest(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := s.authRequests
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.rows) != 10 || len(m.order) > 2*10+64 {
		t.Errorf("after churn: %d rows, %d keys in order; want 10 and at most %d", len(m.rows), len(m.order), 2*10+64)
	}
}

// TestHeldAuthRequests runs the attacks on the bound per holder.
func TestHeldAuthRequests(t *testing.T) {
	storetest.RunHeldAuthRequests(t, func(t *testing.T, now func() time.Time, max int) store.Store {
		s, err := Open(filepath.Join(t.TempDir(), "p.db"), Options{Now: now, MaxAuthRequests: max})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestHeldKeysBounded: the protected keys kept per holder stay within
// MaxHeldAuthRequests, and a holder whose requests are all gone is
// forgotten.
func TestHeldKeysBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	for i := range 100 {
		r := store.AuthRequest{ID: fmt.Sprint("ar-", i), AccountID: "mallory", ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateAuthRequest(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	m := s.authRequests
	if n := len(m.held[store.AuthRequest{AccountID: "mallory"}.Holder()]); n != store.MaxHeldAuthRequests {
		t.Errorf("%d protected keys kept for one holder, want %d", n, store.MaxHeldAuthRequests)
	}
	for i := range 100 {
		if err := s.DeleteAuthRequest(t.Context(), fmt.Sprint("ar-", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.held) != 0 {
		t.Errorf("after every request ended: %d holders kept, want 0", len(m.held))
	}
}

// TestAuthRequestsSweptAtBound: a create at the bound drops a record
// past its expiry, whether it was created with it or an update brought
// it forward, rather than refusing a table full of records past their
// credential.
func TestAuthRequestsSweptAtBound(t *testing.T) {
	for _, updated := range []bool{false, true} {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s, err := Open(filepath.Join(t.TempDir(), "p.db"), Options{Now: func() time.Time { return now }, MaxAuthRequests: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := t.Context()
		ttl := time.Minute
		if updated {
			ttl = time.Hour
		}
		for i, id := range []string{"ar-0", "ar-1"} {
			r := store.AuthRequest{ID: id, ExpiresAt: now.Add(time.Duration(i+1) * ttl), AccountID: "acct-" + id}
			if err := s.CreateAuthRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if updated {
			if err := s.UpdateAuthRequest(ctx, "ar-0", func(r store.AuthRequest) (store.AuthRequest, error) {
				r.ExpiresAt = now.Add(time.Minute)
				return r, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(90 * time.Second)
		if err := s.CreateAuthRequest(ctx, store.AuthRequest{ID: "ar-2", ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatalf("updated %v: create at the bound once ar-0 expired: %v", updated, err)
		}
	}
}

// TestDoneAuthRequestsKeptEncoded: a request whose code is issued (Done)
// is held as its JSON, not as a value (what a garbage collection would
// have to mark), and reads back whole: every field, no slice, map or
// pointer shared between reads (clonetest.Shared), still protected for
// its holder, updated and refused as any other.
func TestDoneAuthRequestsKeptEncoded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStore(t, func() time.Time { return now }).(*Store)
	ctx := t.Context()
	var want store.AuthRequest
	clonetest.Fill(reflect.ValueOf(&want).Elem())
	inUTC(reflect.ValueOf(&want).Elem())
	want.Steps = map[string]json.RawMessage{"terms": json.RawMessage(`{"accepted":true}`)}
	want.ID, want.Done, want.ExpiresAt = "ar-1", false, now.Add(time.Minute)
	if err := s.CreateAuthRequest(ctx, want); err != nil {
		t.Fatal(err)
	}
	row := func() memRow[store.AuthRequest] {
		s.authRequests.mu.Lock()
		defer s.authRequests.mu.Unlock()
		return s.authRequests.rows[want.ID]
	}
	// readsShareNothing reads the request twice: no slice, map or
	// pointer of one read is the other's, so none is the table's.
	readsShareNothing := func(when string) {
		t.Helper()
		r1, err1 := s.GetAuthRequest(ctx, want.ID)
		r2, err2 := s.GetAuthRequest(ctx, want.ID)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		clonetest.Shared(t, "AuthRequest "+when, reflect.ValueOf(r1), reflect.ValueOf(r2))
	}
	if r := row(); r.encoded != nil || r.v == nil || r.v.ID != want.ID {
		t.Fatalf("a sign-in in progress is held encoded: %q", r.encoded)
	}
	readsShareNothing("in progress")
	if err := s.UpdateAuthRequest(ctx, want.ID, func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Done = true
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	want.Done = true
	r := row()
	if r.encoded == nil || r.v != nil {
		t.Fatalf("a request whose code is issued is held as a value: %+v", *r.v)
	}
	if !r.protected || r.holder != want.Holder() || !r.expires.Equal(want.ExpiresAt) {
		t.Errorf("encoded, the request lost its place: protected %v, holder %q, expires %v", r.protected, r.holder, r.expires)
	}
	got, err := s.GetAuthRequest(ctx, want.ID)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n%+v, %v\nwant\n%+v", got, err, want)
	}
	readsShareNothing("done")
	refused := errors.New("refused")
	if err := s.UpdateAuthRequest(ctx, want.ID, func(r store.AuthRequest) (store.AuthRequest, error) {
		r.Scopes = nil
		return r, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("a refused update: %v", err)
	}
	if err := s.UpdateAuthRequest(ctx, want.ID, func(r store.AuthRequest) (store.AuthRequest, error) {
		if !reflect.DeepEqual(r, want) {
			t.Errorf("the update was given\n%+v\nwant\n%+v", r, want)
		}
		r.Locale = "fr"
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	want.Locale = "fr"
	if got, err := s.GetAuthRequest(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) || row().encoded == nil {
		t.Errorf("after an update: %+v, %v, encoded %v", got, err, row().encoded != nil)
	}
	want.ID = "ar-2"
	if err := s.CreateAuthRequest(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetAuthRequest(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) || row().encoded == nil {
		t.Errorf("created done: %+v, %v, encoded %v", got, err, row().encoded != nil)
	}
}

// inUTC sets every time v holds to UTC, as a JSON round trip gives it.
func inUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			inUTC(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			inUTC(v.Index(i))
		}
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(t.UTC()))
			return
		}
		for i := range v.NumField() {
			inUTC(v.Field(i))
		}
	}
}

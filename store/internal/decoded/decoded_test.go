package decoded

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/passerelle/passerelle/internal/clonetest"
	"github.com/passerelle/passerelle/store"
)

// TestCache: a grant is decoded once for the same bytes, a change in the
// bytes decodes anew and replaces the version held, each reader gets its
// own slices, the caller's buffer is not kept, bad JSON is an error and
// caches nothing, and the cache stays within Max.
func TestCache(t *testing.T) {
	c := &Cache[store.Grant]{clone: cloneGrant, id: Grants.id}
	buf := []byte(`{"id":"g1","scopes":["openid"],"refresh_hash":"AQ=="}`)
	g, err := c.Decode(buf)
	if err != nil || g.ID != "g1" || g.Scopes[0] != "openid" {
		t.Fatalf("decoded grant: %+v, %v", g, err)
	}
	if len(c.m) != 1 {
		t.Fatalf("the cache holds %d records after one decode", len(c.m))
	}
	g.Scopes[0], g.RefreshHash[0] = "changed", 9
	raw := string(buf)
	copy(buf, `{"id":"xx"`) // the caller reuses its buffer
	again, err := c.Decode([]byte(raw))
	if err != nil || again.ID != "g1" || again.Scopes[0] != "openid" || again.RefreshHash[0] != 1 {
		t.Errorf("a reader's change or the caller's buffer reached the cache: %+v, %v", again, err)
	}
	if len(c.m) != 1 {
		t.Errorf("the same bytes decoded twice: %d records held", len(c.m))
	}
	revoked, err := c.Decode([]byte(`{"id":"g1","scopes":["openid"],"revoked":true}`))
	if err != nil || !revoked.Revoked {
		t.Errorf("the grant decoded from other bytes: %+v, %v", revoked, err)
	}
	if _, stale := c.m[raw]; stale || len(c.m) != 1 || len(c.byID) != 1 {
		t.Errorf("g1's new version did not replace its old one: %d held, old held %v", len(c.m), stale)
	}
	if _, err := c.Decode([]byte(`{"id":`)); err == nil {
		t.Error("bad JSON decoded")
	}
	if _, err := c.Decode([]byte(`{"id":"g2"}`)); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 2 {
		t.Errorf("the cache holds %d records, want 2 (bad JSON held?)", len(c.m))
	}
	for i := range Max + 10 {
		if _, err := c.Decode(fmt.Appendf(nil, `{"id":"k%d"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > Max || len(c.byID) != n {
		t.Errorf("the cache holds %d records (%d IDs), more than %d or out of step", n, len(c.byID), Max)
	}
}

// TestSharesNothing: every field of a grant, an account and a factor
// filled (every slice, map and pointer, at every depth), each kind's
// cache hands every reader a record equal to the one decoded and sharing
// no memory with another reader's: a caller that changes a record it
// read changes nobody else's.
func TestSharesNothing(t *testing.T) {
	sharesNothing(t, "Grant", Grants)
	sharesNothing(t, "Account", Accounts)
	sharesNothing(t, "Factor", Factors)
}

// sharesNothing decodes a T with every field filled through c three
// times (once from the JSON, twice from the cache) and checks the reads.
func sharesNothing[T any](t *testing.T, name string, c *Cache[T]) {
	t.Helper()
	var v T
	clonetest.Fill(reflect.ValueOf(&v).Elem())
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	r1, err1 := c.Decode(raw)
	r2, err2 := c.Decode(raw)
	r3, err3 := c.Decode(raw)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(r1, r2) || !reflect.DeepEqual(r2, r3) {
		t.Fatalf("%s read back differs:\n%+v\n%+v", name, r1, r2)
	}
	clonetest.Shared(t, name+" (decoded, cached)", reflect.ValueOf(r1), reflect.ValueOf(r2))
	clonetest.Shared(t, name+" (two cached)", reflect.ValueOf(r2), reflect.ValueOf(r3))
}

package bolt

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/passerelle/passerelle/internal/clonetest"
	"github.com/passerelle/passerelle/store"
)

// TestDecodedCache: a held grant is returned only for the very bytes it
// was decoded from, each reader gets its own slices, and the cache stays
// within decodedMax.
func TestDecodedCache(t *testing.T) {
	d := &decoded[store.Grant]{clone: cloneGrant}
	key, raw := []byte("g1"), []byte(`{"id":"g1","scopes":["openid"]}`)
	d.put(key, raw, store.Grant{ID: "g1", Scopes: []string{"openid"}, RefreshHash: []byte{1}})

	g, ok := d.get(key, raw)
	if !ok || g.ID != "g1" || g.Scopes[0] != "openid" {
		t.Fatalf("held grant: %+v, %v", g, ok)
	}
	g.Scopes[0], g.RefreshHash[0] = "changed", 9
	if again, _ := d.get(key, raw); again.Scopes[0] != "openid" || again.RefreshHash[0] != 1 {
		t.Errorf("a reader's change reached the cache: %+v", again)
	}
	if _, ok := d.get(key, []byte(`{"id":"g1","scopes":["openid"],"revoked":true}`)); ok {
		t.Error("the grant decoded from other bytes was returned")
	}
	if _, ok := d.get([]byte("g2"), raw); ok {
		t.Error("a record was returned under another key")
	}
	for i := range decodedMax + 10 {
		d.put(fmt.Appendf(nil, "k%d", i), raw, store.Grant{})
	}
	if n := len(d.m); n > decodedMax {
		t.Errorf("the cache holds %d records, more than %d", n, decodedMax)
	}
}

// TestDecodedSharesNothing: every field of a grant, an account and a factor
// filled (every slice, map and pointer, at every depth), each kind's
// cache as configured hands every reader a record equal to the one put
// and sharing no memory with it nor with another reader's: a caller that
// changes a record it read changes nobody else's.
func TestDecodedSharesNothing(t *testing.T) {
	sharesNothing(t, "Grant", grants.decoded.clone)
	sharesNothing(t, "Account", accounts.decoded.clone)
	sharesNothing(t, "Factor", factors.decoded.clone)
}

// sharesNothing puts a T with every field filled in a cache copying with
// clone, reads it twice, and checks the reads.
func sharesNothing[T any](t *testing.T, name string, clone func(T) T) {
	t.Helper()
	var v T
	clonetest.Fill(reflect.ValueOf(&v).Elem())
	d := &decoded[T]{clone: clone}
	key, raw := []byte("k"), []byte("stored bytes")
	d.put(key, raw, v)
	r1, _ := d.get(key, raw)
	r2, _ := d.get(key, raw)
	if !reflect.DeepEqual(v, r1) || !reflect.DeepEqual(v, r2) {
		t.Fatalf("%s read back differs:\n%+v\n%+v", name, v, r1)
	}
	clonetest.Shared(t, name+" (put, read)", reflect.ValueOf(v), reflect.ValueOf(r1))
	clonetest.Shared(t, name+" (two reads)", reflect.ValueOf(r1), reflect.ValueOf(r2))
}

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

// TestDecodedSharesNothing: every field of a grant and of an account
// filled (every slice, map and pointer, at every depth), each kind's
// cache as configured hands every reader a record equal to the one put
// and sharing no memory with it nor with another reader's: a caller that
// changes a record it read changes nobody else's.
func TestDecodedSharesNothing(t *testing.T) {
	check := func(name string, put, got1, got2 any) {
		t.Helper()
		if !reflect.DeepEqual(put, got1) || !reflect.DeepEqual(put, got2) {
			t.Fatalf("%s read back differs:\n%+v\n%+v", name, put, got1)
		}
		clonetest.Shared(t, name+" (put, read)", reflect.ValueOf(put), reflect.ValueOf(got1))
		clonetest.Shared(t, name+" (two reads)", reflect.ValueOf(got1), reflect.ValueOf(got2))
	}
	key, raw := []byte("k"), []byte("stored bytes")

	var g store.Grant
	clonetest.Fill(reflect.ValueOf(&g).Elem())
	dg := &decoded[store.Grant]{clone: grants.decoded.clone}
	dg.put(key, raw, g)
	g1, _ := dg.get(key, raw)
	g2, _ := dg.get(key, raw)
	check("Grant", g, g1, g2)

	var a store.Account
	clonetest.Fill(reflect.ValueOf(&a).Elem())
	da := &decoded[store.Account]{clone: accounts.decoded.clone}
	da.put(key, raw, a)
	a1, _ := da.get(key, raw)
	a2, _ := da.get(key, raw)
	check("Account", a, a1, a2)
}

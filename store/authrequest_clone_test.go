package store

import (
	"reflect"
	"testing"

	"github.com/passerelle/passerelle/internal/clonetest"
)

// TestAuthRequestCloneSharesNothing fills every field of an auth request
// (every slice, map and pointer, at every depth) and checks that its
// clone is equal to it and shares no memory with it.
func TestAuthRequestCloneSharesNothing(t *testing.T) {
	var a AuthRequest
	clonetest.Fill(reflect.ValueOf(&a).Elem())
	c := a.Clone()
	if !reflect.DeepEqual(a, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", a, c)
	}
	clonetest.Shared(t, "AuthRequest", reflect.ValueOf(a), reflect.ValueOf(c))

	var zero AuthRequest
	if z := zero.Clone(); !reflect.DeepEqual(zero, z) {
		t.Errorf("the clone of a zero request is %+v", z)
	}
}

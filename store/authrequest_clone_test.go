package store

import (
	"reflect"
	"testing"
	"time"
)

// TestAuthRequestCloneSharesNothing fills every field of an auth request
// (every slice, map and pointer, at every depth) and checks that its
// clone is equal to it and shares no memory with it.
func TestAuthRequestCloneSharesNothing(t *testing.T) {
	var a AuthRequest
	fill(reflect.ValueOf(&a).Elem())
	c := a.Clone()
	if !reflect.DeepEqual(a, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", a, c)
	}
	shared(t, "AuthRequest", reflect.ValueOf(a), reflect.ValueOf(c))

	var zero AuthRequest
	if z := zero.Clone(); !reflect.DeepEqual(zero, z) {
		t.Errorf("the clone of a zero request is %+v", z)
	}
}

// fill sets v and everything it holds to non-zero values.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint8:
		v.SetUint(7)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e)
		v.SetMapIndex(reflect.ValueOf("k"), e)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(1, 0)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// shared fails t where a and c hold the same slice array, map or
// pointee.
func shared(t *testing.T, path string, a, c reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer:
		if a.Pointer() == c.Pointer() {
			t.Errorf("%s: the clone shares it", path)
		}
	}
	switch a.Kind() {
	case reflect.Slice:
		for i := range a.Len() {
			shared(t, path+"[]", a.Index(i), c.Index(i))
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			shared(t, path+"[k]", a.MapIndex(k), c.MapIndex(k))
		}
	case reflect.Pointer:
		shared(t, path+"*", a.Elem(), c.Elem())
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range a.NumField() {
			shared(t, path+"."+a.Type().Field(i).Name, a.Field(i), c.Field(i))
		}
	}
}

package clonetest

import (
	"reflect"
	"testing"
	"time"
)

// Fill sets v and everything it holds to non-zero values.
func Fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint8, reflect.Uint32:
		v.SetUint(7)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		Fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		Fill(e)
		v.SetMapIndex(reflect.ValueOf("k"), e)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		Fill(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(1, 0)))
			return
		}
		for i := range v.NumField() {
			Fill(v.Field(i))
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// Shared fails t where a and c hold the same slice array, map or
// pointee; path names a in the message.
func Shared(t testing.TB, path string, a, c reflect.Value) {
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
			Shared(t, path+"[]", a.Index(i), c.Index(i))
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			Shared(t, path+"[k]", a.MapIndex(k), c.MapIndex(k))
		}
	case reflect.Pointer:
		Shared(t, path+"*", a.Elem(), c.Elem())
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range a.NumField() {
			Shared(t, path+"."+a.Type().Field(i).Name, a.Field(i), c.Field(i))
		}
	}
}

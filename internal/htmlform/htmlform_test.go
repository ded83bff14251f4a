package htmlform

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const page = `<p>before</p>
<form method="post" action="/login/a&amp;b">
<input type="hidden" name="csrf" value="x&lt;y">
<input type="hidden" name="id" value="1">
<input type="text" name="code">
</form>
<input type="hidden" name="stray" value="outside">
<form method="get" action="/search"><input type="hidden" name="q" value="no"></form>
<FORM METHOD="POST" ACTION="/login/username"><INPUT TYPE="hidden" NAME="id" VALUE="2"></FORM>`

func TestForms(t *testing.T) {
	got := Forms(page)
	want := []Form{
		{Action: "/login/a&b", Hidden: url.Values{"csrf": {"x<y"}, "id": {"1"}}},
		{Action: "/login/username", Hidden: url.Values{"id": {"2"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Forms = %#v, want %#v", got, want)
	}
	if f, ok := Find(page, func(a string) bool { return strings.HasSuffix(a, "/username") }); !ok || f.Hidden.Get("id") != "2" {
		t.Fatalf("Find = %#v, %v", f, ok)
	}
	if _, ok := Find(page, func(a string) bool { return a == "/search" }); ok {
		t.Fatal("Find matched a GET form")
	}
	if len(Forms("<p>no form</p>")) != 0 {
		t.Fatal("forms on a page without one")
	}
}

// TestFormsAfterText: text before a form whose lower case is longer than
// itself (İ) leaves the form's action and fields whole.
func TestFormsAfterText(t *testing.T) {
	got := Forms(`<p>İSTANBUL été</p><FORM method="post" action="/a"><input type="hidden" name="k" value="v"></Form>`)
	want := []Form{{Action: "/a", Hidden: url.Values{"k": {"v"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Forms = %#v, want %#v", got, want)
	}
}

// TestFormsAsABrowserReadsThem: attributes in any order, case and
// quoting, a '>' inside a quoted value, a form without an action (the
// page's own URL); no field from a comment, a script, an input without a
// name, a disabled one, or one of another type.
func TestFormsAsABrowserReadsThem(t *testing.T) {
	got := Forms(`<!-- <form method="post" action="/commented"></form> -->
<script>document.write('<form method="post" action="/scripted">')</script>
<form action='/a?x=1&amp;y=2' id=f METHOD=Post>
<input value="v1" name="first" type="HIDDEN">
<input type=hidden name=bare value=b>
<input type="hidden" name="gt" value="a>b">
<input type="hidden" name="twice" value="1"><input type="hidden" name="twice" value="2">
<input type="hidden" value="no name">
<input type="hidden" name="off" value="x" disabled>
<input type="text" name="text" value="typed">
<!-- <input type="hidden" name="commented" value="x"> -->
</form>
<form method="post"><input type="hidden" name="k" value="v"/></form>`)
	want := []Form{
		{Action: "/a?x=1&y=2", Hidden: url.Values{"first": {"v1"}, "bare": {"b"}, "gt": {"a>b"}, "twice": {"1", "2"}}},
		{Action: "", Hidden: url.Values{"k": {"v"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Forms = %#v, want %#v", got, want)
	}
}

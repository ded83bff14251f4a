package ui

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// The rendered-page model the render tests check: every element in
// document order, parsed with encoding/xml in its HTML mode, and the
// checks every form must pass.
// elem is one element of a rendered page.
type elem struct {
	name   string
	attrs  map[string]string
	parent *elem
	text   strings.Builder // direct and nested text
}

func (e *elem) has(name string) bool { _, ok := e.attrs[name]; return ok }

// parsePage reads HTML with encoding/xml in its HTML mode (void elements
// closed automatically, HTML entities known) and returns every element in
// document order. Any syntax error fails the test.
func parsePage(t *testing.T, body string) []*elem {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var all []*elem
	var cur *elem
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &elem{name: strings.ToLower(tok.Name.Local), attrs: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				e.attrs[strings.ToLower(a.Name.Local)] = a.Value
			}
			all = append(all, e)
			cur = e
		case xml.EndElement:
			if cur != nil {
				cur = cur.parent
			}
		case xml.CharData:
			for e := cur; e != nil; e = e.parent {
				e.text.Write(tok)
			}
		}
	}
	return all
}

func find(all []*elem, name string) []*elem {
	var out []*elem
	for _, e := range all {
		if e.name == name {
			out = append(out, e)
		}
	}
	return out
}

func within(e *elem, name string) bool {
	for p := e.parent; p != nil; p = p.parent {
		if p.name == name {
			return true
		}
	}
	return false
}

func firstOnAttr(e *elem) string {
	for k := range e.attrs {
		if strings.HasPrefix(k, "on") {
			return k
		}
	}
	return ""
}

// checkForms: every form posts to its action with one submit button; a
// csrf field carries the token; every visible input has a label; every
// aria-describedby names elements of the page; a disabled button stands
// outside any form and says why.
func checkForms(t *testing.T, all []*elem, ids map[string]bool) {
	t.Helper()
	labelled := map[string]bool{}
	for _, l := range find(all, "label") {
		labelled[l.attrs["for"]] = true
	}
	for _, in := range append(find(all, "input"), append(find(all, "select"), find(all, "textarea")...)...) {
		switch typ := in.attrs["type"]; {
		case typ == "radio" && !inLegendedFieldset(all, in):
			t.Errorf("radio button outside a fieldset with a legend: %v", in.attrs)
		case typ == "password" && (in.has("value") || !strings.HasSuffix(in.attrs["autocomplete"], "-password")):
			t.Errorf("password input with a value or without autocomplete: %v", in.attrs)
		}
		switch typ := in.attrs["type"]; {
		case typ == "hidden":
			if in.attrs["name"] == "csrf" && in.attrs["value"] != "tok123" {
				t.Errorf("csrf input %v", in.attrs)
			}
		case !labelled[in.attrs["id"]] && !within(in, "label"):
			t.Errorf("input without a label: %v", in.attrs)
		}
	}
	var forms, buttons int
	for _, e := range all {
		for _, d := range strings.Fields(e.attrs["aria-describedby"]) {
			if !ids[d] {
				t.Errorf("aria-describedby %q names no element", d)
			}
		}
		switch e.name {
		case "form":
			forms++
			if e.attrs["method"] != "post" || e.attrs["action"] == "" {
				t.Errorf("form %v", e.attrs)
			}
		case "button":
			if e.has("disabled") {
				if e.attrs["type"] != "button" || within(e, "form") || e.attrs["aria-describedby"] == "" {
					t.Errorf("disabled button %v", e.attrs)
				}
				continue
			}
			if e.has("data-print") || e.has("data-extend-button") { // page.js shows it: hidden without script
				if e.attrs["type"] != "button" || !e.has("hidden") || within(e, "form") {
					t.Errorf("script button %v: want type=button, hidden, outside forms", e.attrs)
				}
				continue
			}
			buttons++
			if e.attrs["type"] != "submit" || !within(e, "form") {
				t.Errorf("button %v outside a form or not submit", e.attrs)
			}
		}
	}
	if forms != buttons {
		t.Errorf("%d forms, %d buttons", forms, buttons)
	}
}

package ui

import (
	"slices"
	"strings"
	"testing"
)

// checkErrorSummary: the summary shows exactly when errs is set, takes
// focus and links each field error to its field. The field, when on the
// page (always when strict), is marked invalid and described by its own
// copy of the message, directly or through its fieldset.
func checkErrorSummary(t *testing.T, all []*elem, ids map[string]bool, errs []FieldError, strict bool) {
	t.Helper()
	var summary *elem
	for _, e := range all {
		if e.attrs["class"] == "error-summary" {
			summary = e
		}
	}
	if summary == nil || len(errs) == 0 {
		if (summary == nil) != (len(errs) == 0) {
			t.Errorf("error summary %v for %d errors", summary != nil, len(errs))
		}
		return
	}
	if summary.attrs["role"] != "alert" || summary.attrs["tabindex"] != "-1" || !summary.has("autofocus") {
		t.Errorf("error summary %v", summary.attrs)
	}
	for _, fe := range errs {
		if !strings.Contains(summaryText(summary), fe.Message) {
			t.Errorf("error summary lacks %q", fe.Message)
		}
		if fe.Field == "" {
			continue
		}
		var linked bool
		for _, a := range find(all, "a") {
			linked = linked || a.attrs["href"] == "#"+fe.Field && inside(a, summary)
		}
		if !linked {
			t.Errorf("error summary does not link to #%s", fe.Field)
		}
		if !ids[fe.Field] {
			if strict {
				t.Errorf("error about %q, which is not on the page", fe.Field)
			}
			continue
		}
		field := elemByID(all, fe.Field)
		described := slices.Contains(strings.Fields(field.attrs["aria-describedby"]), fe.Field+"-error")
		for p := field.parent; p != nil && !described; p = p.parent {
			described = p.name == "fieldset" && slices.Contains(strings.Fields(p.attrs["aria-describedby"]), fe.Field+"-error")
		}
		if !ids[fe.Field+"-error"] || !described || field.attrs["type"] != "radio" && field.attrs["aria-invalid"] != "true" {
			t.Errorf("field %q not marked invalid and described by its error: %v", fe.Field, field.attrs)
		}
	}
}

func elemByID(all []*elem, id string) *elem {
	for _, e := range all {
		if e.attrs["id"] == id {
			return e
		}
	}
	return nil
}

func inside(e, ancestor *elem) bool {
	for p := e.parent; p != nil; p = p.parent {
		if p == ancestor {
			return true
		}
	}
	return false
}

// inLegendedFieldset: e sits in a fieldset whose legend is not empty.
func inLegendedFieldset(all []*elem, e *elem) bool {
	for p := e.parent; p != nil; p = p.parent {
		if p.name != "fieldset" {
			continue
		}
		for _, l := range find(all, "legend") {
			if l.parent == p && strings.TrimSpace(l.text.String()) != "" {
				return true
			}
		}
	}
	return false
}

func summaryText(e *elem) string {
	if e == nil {
		return ""
	}
	return e.text.String()
}

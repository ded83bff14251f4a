package htmlform

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

// Form is one POST form of a page.
type Form struct {
	Action string     // as written (maybe relative), entities decoded
	Hidden url.Values // its hidden fields, entities decoded
}

var (
	formRe   = regexp.MustCompile(`(?i)^<form[^>]*method="post"[^>]*action="([^"]*)"`)
	hiddenRe = regexp.MustCompile(`(?i)<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// Forms returns the POST forms of body, in page order. A form's hidden
// fields are those up to its closing tag.
func Forms(body string) []Form {
	var out []Form
	for _, part := range splitForms(body) {
		if action, ok := postAction(part); ok {
			out = append(out, Form{Action: action, Hidden: hidden(part)})
		}
	}
	return out
}

// Find returns the first POST form of body whose action satisfies match.
// Only that form's hidden fields are read.
func Find(body string, match func(action string) bool) (Form, bool) {
	for _, part := range splitForms(body) {
		if action, ok := postAction(part); ok && match(action) {
			return Form{Action: action, Hidden: hidden(part)}, true
		}
	}
	return Form{}, false
}

// postAction is the action of the form part starts with, when it is a
// POST form.
func postAction(part string) (string, bool) {
	m := formRe.FindStringSubmatch(part)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// hidden reads the hidden fields of the form part starts with, up to its
// closing tag.
func hidden(part string) url.Values {
	if end := indexFold(part, "</form>"); end >= 0 {
		part = part[:end]
	}
	v := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(part, -1) {
		v.Add(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return v
}

// splitForms cuts body before each "<form" (in any case); each piece
// starts with one.
func splitForms(body string) []string {
	var parts []string
	for i := indexFold(body, "<form"); i >= 0; {
		next := indexFold(body[i+1:], "<form")
		if next < 0 {
			parts = append(parts, body[i:])
			break
		}
		parts = append(parts, body[i:i+1+next])
		i += 1 + next
	}
	return parts
}

// indexFold is the index of the first instance of tag (lower-case ASCII,
// starting with '<') in s, in any case, or -1. Unlike searching a
// lower-cased copy, it allocates nothing and its indexes are s's own.
func indexFold(s, tag string) int {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if len(s)-i < len(tag) {
			return -1
		}
		if strings.EqualFold(s[i:i+len(tag)], tag) {
			return i
		}
		i++
	}
}

package htmlform

import (
	"html"
	"net/url"
	"strings"
)

// Form is one POST form of a page.
type Form struct {
	Action string     // as written (maybe relative), entities decoded
	Hidden url.Values // its hidden fields, entities decoded
}

// Forms returns the POST forms of body, in page order.
func Forms(body string) []Form {
	var out []Form
	for s := (scanner{body: body}); ; {
		action, ok := s.nextPostForm()
		if !ok {
			return out
		}
		out = append(out, Form{Action: action, Hidden: s.hidden()})
	}
}

// Find returns the first POST form of body whose action satisfies match.
// Only that form's hidden fields are read.
func Find(body string, match func(action string) bool) (Form, bool) {
	for s := (scanner{body: body}); ; {
		action, ok := s.nextPostForm()
		if !ok {
			return Form{}, false
		}
		if match(action) {
			return Form{Action: action, Hidden: s.hidden()}, true
		}
	}
}

// scanner walks the tags of a page, start and end tags alike, skipping
// comments and the text of script and style elements (where "<form"
// is not a form).
type scanner struct {
	body  string
	pos   int    // where the next tag is looked for
	attrs string // the attributes of the last start tag read
}

// next reads the next tag: its name, lower-cased only when written in
// another case, and whether it is an end tag; ok is false at the end of
// the page.
func (s *scanner) next() (name string, end, ok bool) {
	for {
		i := strings.IndexByte(s.body[s.pos:], '<')
		if i < 0 {
			return "", false, false
		}
		s.pos += i + 1
		rest := s.body[s.pos:]
		if strings.HasPrefix(rest, "!--") {
			if j := strings.Index(rest[3:], "-->"); j >= 0 {
				s.pos += 3 + j + 3
				continue
			}
			return "", false, false
		}
		end = strings.HasPrefix(rest, "/")
		if end {
			s.pos++
			rest = rest[1:]
		}
		n := 0
		for n < len(rest) && isNameByte(rest[n]) {
			n++
		}
		if n == 0 {
			continue // not a tag: a lone "<" in text, or <!doctype>
		}
		name = lower(rest[:n])
		tagEnd := closing(rest[n:])
		if tagEnd < 0 {
			return "", false, false
		}
		s.attrs = rest[n : n+tagEnd]
		s.pos += n + tagEnd + 1
		if !end && (name == "script" || name == "style") {
			s.skipRawText(name)
		}
		return name, end, true
	}
}

// skipRawText moves past the end tag of the raw text element name.
func (s *scanner) skipRawText(name string) {
	for {
		i := strings.Index(s.body[s.pos:], "</")
		if i < 0 {
			s.pos = len(s.body)
			return
		}
		s.pos += i + 2
		rest := s.body[s.pos:]
		if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			s.pos -= 2 // the end tag is read by next
			return
		}
	}
}

// nextPostForm moves past the next <form method="post"> start tag and
// returns its action (the page's own URL when it has none: ""), or false
// when there is none.
func (s *scanner) nextPostForm() (string, bool) {
	for {
		name, end, ok := s.next()
		if !ok {
			return "", false
		}
		if name != "form" || end {
			continue
		}
		if method, _ := attr(s.attrs, "method"); strings.EqualFold(method, "post") {
			action, _ := attr(s.attrs, "action")
			return action, true
		}
	}
}

// hidden reads the hidden fields of the form whose start tag was just
// read, up to its end tag: the inputs of type hidden with a name that
// are not disabled, as a browser submits them.
func (s *scanner) hidden() url.Values {
	v := url.Values{}
	for {
		name, end, ok := s.next()
		if !ok || name == "form" && end {
			return v
		}
		if name != "input" || end {
			continue
		}
		typ, _ := attr(s.attrs, "type")
		field, _ := attr(s.attrs, "name")
		if _, disabled := attr(s.attrs, "disabled"); !strings.EqualFold(typ, "hidden") || field == "" || disabled {
			continue
		}
		value, _ := attr(s.attrs, "value")
		v[field] = append(v[field], value)
	}
}

// attr is the value of the attribute key (lower case) in attrs, the text
// of a start tag after its name, entities decoded; ok says whether the
// tag has it. Values may be double-quoted, single-quoted or bare.
func attr(attrs, key string) (value string, ok bool) {
	for i := 0; i < len(attrs); {
		for i < len(attrs) && (isSpace(attrs[i]) || attrs[i] == '/') {
			i++
		}
		start := i
		for i < len(attrs) && !isSpace(attrs[i]) && attrs[i] != '=' && attrs[i] != '/' {
			i++
		}
		name := attrs[start:i]
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		value = ""
		if i < len(attrs) && attrs[i] == '=' {
			i++
			for i < len(attrs) && isSpace(attrs[i]) {
				i++
			}
			if i < len(attrs) && (attrs[i] == '"' || attrs[i] == '\'') {
				q := attrs[i]
				j := strings.IndexByte(attrs[i+1:], q)
				if j < 0 {
					j = len(attrs) - i - 1
				}
				value = attrs[i+1 : i+1+j]
				i += j + 2
			} else {
				start := i
				for i < len(attrs) && !isSpace(attrs[i]) {
					i++
				}
				value = attrs[start:i]
			}
		}
		if name != "" && strings.EqualFold(name, key) {
			return html.UnescapeString(value), true
		}
	}
	return "", false
}

// lower is s in lower case, s itself when it has no upper-case ASCII
// letter (tag names are ASCII).
func lower(s string) string {
	for i := range len(s) {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// closing is the index of the '>' that ends a tag whose attributes s
// starts with (one inside a quoted value does not), or -1.
func closing(s string) int {
	var q byte
	for i := range len(s) {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return i
		}
	}
	return -1
}

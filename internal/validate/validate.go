package validate

import (
	"fmt"
	"net/url"
	"strings"
)

// Problem is one broken rule.
type Problem struct {
	Path  string // dotted path in the YAML tree, e.g. clients[0].redirect_uris[1]
	Rule  string // what the value must be
	Value string // what was found, already quoted or redacted
}

func (p Problem) String() string {
	if p.Value == "" {
		return p.Path + ": " + p.Rule
	}
	return p.Path + ": " + p.Rule + ", got " + p.Value
}

// Problems accumulates problems. The zero value is ready to use.
type Problems struct {
	list []Problem
}

// Add records that the value at path breaks rule. value is rendered with
// %q for strings and %v otherwise; pass Secret for values that must not be
// printed.
func (ps *Problems) Add(path, rule string, value any) {
	var v string
	switch x := value.(type) {
	case nil:
	case secret:
		v = "(secret not shown)"
	case string:
		v = fmt.Sprintf("%q", x)
	default:
		v = fmt.Sprintf("%v", x)
	}
	ps.list = append(ps.list, Problem{Path: path, Rule: rule, Value: v})
}

type secret struct{}

// Secret stands for a value that must never be printed.
var Secret = secret{}

// List returns the problems in the order they were found.
func (ps *Problems) List() []Problem { return ps.list }

// Err returns nil when there is no problem, else an *Error listing all.
func (ps *Problems) Err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: append([]Problem(nil), ps.list...)}
}

// Error is a configuration that breaks one or more rules.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "configuration has %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Join is the path of key below path ("a.b" below "a"; key alone when
// path is empty).
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Required adds a problem when s is empty.
func (ps *Problems) Required(path, s string) {
	if strings.TrimSpace(s) == "" {
		ps.Add(path, "is required", nil)
	}
}

// AbsoluteURL adds a problem unless s is an absolute http(s) URL with a
// host and no fragment. With httpsOnly, plain http is accepted only for
// loopback hosts (localhost, 127.0.0.0/8, [::1]).
func (ps *Problems) AbsoluteURL(path, s string, httpsOnly bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Fragment != "" {
		ps.Add(path, "must be an absolute http(s) URL without a fragment", s)
		return
	}
	if httpsOnly && u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		ps.Add(path, "must use https (plain http only on loopback)", s)
	}
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Bilingual adds a problem for each official language m lacks, when m
// has any text at all (an optional text, such as a description, exists
// in English and French or not at all).
func (ps *Problems) Bilingual(path string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	for _, l := range []string{"en", "fr"} {
		if strings.TrimSpace(m[l]) == "" {
			ps.Add(Join(path, l), "is required when the text is given in either language (English and French)", nil)
		}
	}
}

// OneOf adds a problem unless s is one of allowed.
func (ps *Problems) OneOf(path, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	ps.Add(path, "must be one of "+strings.Join(allowed, ", "), s)
}

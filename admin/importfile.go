package admin

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Bounds of an import file (legacy accounts, records): what an
// administrator's file can make the CLI and the store hold at once. A
// larger file is refused as a whole with a message saying to split it.
const (
	MaxImportFileBytes = 64 << 20
	MaxImportRows      = 250_000
)

// Formats of an import file.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// fileError is an import file refused as a whole.
type fileError struct{ Problem }

func (e fileError) Error() string { return e.String() }

func refuse(key string, args ...any) error { return fileError{problem(key, args...)} }

// BadRow is a row of an import file that cannot be imported: its line (1
// is the first line of the file), in a JSON file its entry too (1 is the
// array's first), and what is wrong with it.
type BadRow struct {
	Line    int
	Entry   int
	Problem Problem
}

// In is the bad row's report line in lang.
func (b BadRow) In(lang string) string {
	if b.Entry > 0 {
		return ImportText(lang, "row.entry", b.Line, b.Entry, b.Problem.In(lang))
	}
	return ImportText(lang, "row.line", b.Line, b.Problem.In(lang))
}

func (b BadRow) String() string { return b.In("en") }

// MarshalJSON gives the admin API's form: line, entry and the English
// problem.
func (b BadRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Line    int    `json:"line"`
		Entry   int    `json:"entry,omitempty"`
		Problem string `json:"problem"`
	}{b.Line, b.Entry, b.Problem.String()})
}

// rowPos is where a row is: its line and, in a JSON file, its entry.
type rowPos struct{ line, entry int }

func (p rowPos) bad(pr Problem) BadRow { return BadRow{Line: p.line, Entry: p.entry, Problem: pr} }

// duplicate is the problem of a later row whose field name has value, as
// the row at p has.
func (p rowPos) duplicate(name, value string) Problem {
	if p.entry > 0 {
		return problem("field.duplicate_entry", name, value, p.entry)
	}
	return problem("field.duplicate", name, value, p.line)
}

// importRow is one row of an import file: where it is, its text fields,
// and, in a JSON file, its fields that are arrays of strings.
type importRow struct {
	rowPos
	fields map[string]string
	lists  map[string][]string
}

// importLayout is what an import file holds: the names of its columns
// (CSV) or fields (JSON), those a CSV file must have, and the fields a
// JSON entry gives as an array of strings.
type importLayout struct {
	known, required, lists []string
}

// readImportFile reads every row of an import file in format: row gets
// each one, bad gets the rows refused before their fields are known (a
// JSON entry that is not an object of strings). A file that cannot be
// read as a whole (too large, too many rows, not CSV or JSON, a wrong
// header) is a fileError naming its line.
func readImportFile(r io.Reader, format string, layout importLayout, row func(importRow), bad func(BadRow)) error {
	if format != FormatCSV && format != FormatJSON {
		return refuse("file.format", format)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportFileBytes+1))
	if err != nil {
		return refuse("file.unreadable", err)
	}
	if len(data) > MaxImportFileBytes {
		return refuse("file.too_large", MaxImportFileBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	n := 0
	counted := func(r importRow) error {
		if n++; n > MaxImportRows {
			return refuse("file.too_many_rows", MaxImportRows)
		}
		row(r)
		return nil
	}
	if format == FormatJSON {
		return readJSONRows(data, layout, counted, bad)
	}
	return readCSVRows(data, layout, counted)
}

// readCSVRows reads a CSV file whose first line names its columns, each
// one of layout.known (in any case and order), every one of
// layout.required present.
func readCSVRows(data []byte, layout importLayout, row func(importRow) error) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return refuse("csv.empty", strings.Join(layout.known, ","))
	}
	if err != nil {
		return csvError(err)
	}
	at := map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if !slices.Contains(layout.known, name) {
			return refuse("csv.unknown_column", name, strings.Join(layout.known, ","))
		}
		if _, dup := at[name]; dup {
			return refuse("csv.column_twice", name)
		}
		at[name] = i
	}
	for _, name := range layout.required {
		if _, ok := at[name]; !ok {
			return refuse("csv.column_missing", name)
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := cr.FieldPos(0)
		fields := make(map[string]string, len(at))
		for name, i := range at {
			fields[name] = rec[i]
		}
		if err := row(importRow{rowPos: rowPos{line: line}, fields: fields}); err != nil {
			return err
		}
	}
}

// csvError names what encoding/csv refused, and where.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return refuse("csv.invalid", 1)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return refuse("csv.bare_quote", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return refuse("csv.quote", pe.StartLine, pe.Column)
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return refuse("csv.field_count", pe.Line)
	}
	return refuse("csv.invalid", pe.Line)
}

// readJSONRows reads a JSON array of objects whose fields are among
// layout.known, strings except layout.lists (arrays of strings). An entry
// that is not such an object is a bad row; a file that is not a JSON
// array is refused.
func readJSONRows(data []byte, layout importLayout, row func(importRow) error, bad func(BadRow)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return refuse("json.not_array", strings.Join(layout.known, ", "))
	}
	for entry := 1; dec.More(); entry++ {
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return refuse("json.syntax", lineAt(data, se.Offset-1), se.Offset)
			}
			return refuse("json.truncated", line)
		}
		r := importRow{rowPos: rowPos{line, entry}, fields: map[string]string{}, lists: map[string][]string{}}
		if p, ok := jsonFields(raw, layout, r); !ok {
			bad(r.bad(p))
			continue
		}
		if err := row(r); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return refuse("json.not_closed", lineAt(data, dec.InputOffset()))
	}
	return nil
}

// jsonFields reads the object raw into r's fields and lists, or says
// what is wrong with it: not an object, an unknown or repeated field (a
// repeated one would be ambiguous: which value counts), a value of the
// wrong type.
func jsonFields(raw json.RawMessage, layout importLayout, r importRow) (Problem, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return problem("row.not_object"), false
	}
	for dec.More() {
		tok, err := dec.Token()
		name, _ := tok.(string)
		var v json.RawMessage
		if err == nil {
			err = dec.Decode(&v)
		}
		_, seen := r.fields[name]
		_, seenList := r.lists[name]
		switch {
		case err != nil:
			return problem("row.not_object"), false
		case !slices.Contains(layout.known, name):
			return problem("row.unknown_field", fmt.Sprintf("%q", name), strings.Join(layout.known, ", ")), false
		case seen || seenList:
			return problem("row.field_twice", name), false
		case slices.Contains(layout.lists, name):
			var list []string
			if err := json.Unmarshal(v, &list); err != nil {
				return problem("record.invoices_json"), false
			}
			r.lists[name] = list
		default:
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return problem("row.not_string", name), false
			}
			r.fields[name] = s
		}
	}
	return Problem{}, true
}

// lineAt is the line of the first byte at or after off that is neither
// white space nor a comma: where the next JSON value starts.
func lineAt(data []byte, off int64) int {
	i := min(max(int(off), 0), len(data))
	for i < len(data) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
		i++
	}
	return 1 + bytes.Count(data[:i], []byte("\n"))
}

package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"unicode"

	"github.com/passerelle/passerelle/internal/passhash"
	"github.com/passerelle/passerelle/store"
)

// Bounds of a legacy import file's values.
const (
	maxLegacyIDLen   = 128
	maxLegacyUserLen = 256
	maxEmailLen      = 254
)

// Formats of a legacy import file.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// BadRow is a row of an import file that cannot be imported: its line
// (1 is the first line of the file) and what is wrong with it.
type BadRow struct {
	Line    int    `json:"line"`
	Problem string `json:"problem"`
}

func (b BadRow) String() string { return fmt.Sprintf("line %d: %s", b.Line, b.Problem) }

// legacyRow is one account of the file, with the line it starts on.
type legacyRow struct {
	line int
	acct store.LegacyAccount
}

// legacyFields are the columns of a CSV file and the keys of a JSON one.
type legacyFields struct {
	LegacyID     string `json:"legacy_id"`
	Username     string `json:"username"`
	PasswordHash string `json:"password_hash"`
	Email        string `json:"email"`
}

var legacyColumns = []string{"legacy_id", "username", "password_hash", "email"}

// readLegacyFile reads every row of an import file: the rows that can be
// imported and the bad ones. A file that cannot be read as a whole (not
// CSV or JSON, a missing column, too large) is an error naming its line.
func readLegacyFile(r io.Reader, format string) ([]legacyRow, []BadRow, error) {
	data, err := readImportFile(r)
	if err != nil {
		return nil, nil, err
	}
	var rows []legacyRow
	var bad []BadRow
	add := func(line int, f legacyFields) {
		if problem := checkLegacyFields(f); problem != "" {
			bad = append(bad, BadRow{Line: line, Problem: problem})
			return
		}
		rows = append(rows, legacyRow{line: line, acct: store.LegacyAccount{LegacyID: f.LegacyID,
			Username: strings.TrimSpace(f.Username), PasswordHash: f.PasswordHash, Email: f.Email}})
	}
	switch format {
	case FormatCSV:
		err = readLegacyCSV(data, add)
	case FormatJSON:
		err = readLegacyJSON(data, add, func(b BadRow) { bad = append(bad, b) })
	default:
		return nil, nil, fmt.Errorf("format must be %s or %s, got %q", FormatCSV, FormatJSON, format)
	}
	if err != nil {
		return nil, nil, err
	}
	rows, dup := withoutDuplicates(rows)
	return rows, append(bad, dup...), nil
}

func readLegacyCSV(data []byte, add func(int, legacyFields)) error {
	return readCSV(data, legacyColumns, legacyColumns[:3], func(line int, col func(string) string) {
		add(line, legacyFields{LegacyID: col("legacy_id"), Username: col("username"), PasswordHash: col("password_hash"), Email: col("email")})
	})
}

func readLegacyJSON(data []byte, add func(int, legacyFields), badRow func(BadRow)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return errors.New("line 1: the file must be a JSON array of objects with " + strings.Join(legacyColumns, ", "))
	}
	for dec.More() {
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("line %d: not JSON: %w", line, err)
		}
		var f legacyFields
		strict := json.NewDecoder(bytes.NewReader(raw))
		strict.DisallowUnknownFields()
		if err := strict.Decode(&f); err != nil {
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te) && te.Field != "":
				err = fmt.Errorf("%s must be a string", te.Field)
			case errors.As(err, &te):
				err = errors.New("each entry must be an object")
			}
			badRow(BadRow{Line: line, Problem: err.Error()})
			continue
		}
		add(line, f)
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("line %d: the array is not closed: %w", lineAt(data, dec.InputOffset()), err)
	}
	return nil
}

// lineAt is the line of the first byte at or after off that is neither
// white space nor a comma: where the next JSON value starts.
func lineAt(data []byte, off int64) int {
	i := int(off)
	for i < len(data) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
		i++
	}
	return 1 + bytes.Count(data[:i], []byte("\n"))
}

// checkLegacyFields says what is wrong with a row, or "".
func checkLegacyFields(f legacyFields) string {
	switch {
	case f.LegacyID == "":
		return "legacy_id is empty"
	case len(f.LegacyID) > maxLegacyIDLen || !printable(f.LegacyID):
		return fmt.Sprintf("legacy_id must be at most %d printable characters", maxLegacyIDLen)
	case strings.TrimSpace(f.Username) == "":
		return "username is empty"
	case len(f.Username) > maxLegacyUserLen || !printable(f.Username):
		return fmt.Sprintf("username must be at most %d printable characters", maxLegacyUserLen)
	case f.PasswordHash == "":
		return "password_hash is empty"
	}
	if _, err := passhash.Parse(f.PasswordHash); err != nil {
		return "password_hash: " + err.Error()
	}
	if f.Email != "" {
		a, err := mail.ParseAddress(f.Email)
		if err != nil || a.Address != f.Email || len(f.Email) > maxEmailLen {
			return fmt.Sprintf("email %q is not an address", f.Email)
		}
	}
	return ""
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// withoutDuplicates keeps the first row of each legacy ID and folded
// username and reports the others as bad.
func withoutDuplicates(rows []legacyRow) ([]legacyRow, []BadRow) {
	ids, names := map[string]int{}, map[string]int{}
	var keep []legacyRow
	var bad []BadRow
	for _, r := range rows {
		folded := store.FoldUsername(r.acct.Username)
		if first, dup := ids[r.acct.LegacyID]; dup {
			bad = append(bad, BadRow{Line: r.line, Problem: fmt.Sprintf("legacy_id %q is also on line %d", r.acct.LegacyID, first)})
			continue
		}
		if first, dup := names[folded]; dup {
			bad = append(bad, BadRow{Line: r.line, Problem: fmt.Sprintf("username %q is also on line %d", r.acct.Username, first)})
			continue
		}
		ids[r.acct.LegacyID], names[folded] = r.line, r.line
		keep = append(keep, r)
	}
	return keep, bad
}

package admin

import (
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

// legacyLayout: the columns of a CSV file and the keys of a JSON one.
var legacyLayout = importLayout{known: []string{"legacy_id", "username", "password_hash", "email"},
	required: []string{"legacy_id", "username", "password_hash"}}

// legacyRow is one account of the file, with where it is.
type legacyRow struct {
	rowPos
	acct store.LegacyAccount
}

// readLegacyFile reads every row of an import file: the rows that can be
// imported and the bad ones. A file that cannot be read as a whole (not
// CSV or JSON, a missing column, too large) is a fileError.
func readLegacyFile(r io.Reader, format string) ([]legacyRow, []BadRow, error) {
	var rows []legacyRow
	var bad []BadRow
	addBad := func(b BadRow) { bad = append(bad, b) }
	err := readImportFile(r, format, legacyLayout, func(ir importRow) {
		f := ir.fields
		if p, ok := checkLegacyFields(f); !ok {
			addBad(ir.bad(p))
			return
		}
		rows = append(rows, legacyRow{rowPos: ir.rowPos, acct: store.LegacyAccount{LegacyID: f["legacy_id"],
			Username: strings.TrimSpace(f["username"]), PasswordHash: f["password_hash"], Email: f["email"]}})
	}, addBad)
	if err != nil {
		return nil, nil, err
	}
	rows, dup := withoutDuplicates(rows)
	return rows, append(bad, dup...), nil
}

// checkLegacyFields says what is wrong with a row, if anything.
func checkLegacyFields(f map[string]string) (Problem, bool) {
	id, user, hash := f["legacy_id"], f["username"], f["password_hash"]
	switch {
	case id == "":
		return problem("field.empty", "legacy_id"), false
	case len(id) > maxLegacyIDLen || !printable(id):
		return problem("field.too_long", "legacy_id", maxLegacyIDLen), false
	case strings.TrimSpace(user) == "":
		return problem("field.empty", "username"), false
	case len(user) > maxLegacyUserLen || !printable(user):
		return problem("field.too_long", "username", maxLegacyUserLen), false
	case hash == "":
		return problem("field.empty", "password_hash"), false
	}
	if _, err := passhash.Parse(hash); err != nil {
		return hashProblem(err), false
	}
	if email := f["email"]; email != "" && !isAddress(email) {
		return problem("field.email", email), false
	}
	return Problem{}, true
}

// isAddress reports whether s is a bare email address of bounded length.
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= maxEmailLen
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// withoutDuplicates keeps the first row of each legacy ID and folded
// username and reports the others as bad.
func withoutDuplicates(rows []legacyRow) ([]legacyRow, []BadRow) {
	ids, names := map[string]rowPos{}, map[string]rowPos{}
	var keep []legacyRow
	var bad []BadRow
	for _, r := range rows {
		folded := store.FoldUsername(r.acct.Username)
		if first, dup := ids[r.acct.LegacyID]; dup {
			bad = append(bad, r.bad(first.duplicate("legacy_id", r.acct.LegacyID)))
			continue
		}
		if first, dup := names[folded]; dup {
			bad = append(bad, r.bad(first.duplicate("username", r.acct.Username)))
			continue
		}
		ids[r.acct.LegacyID], names[folded] = r.rowPos, r.rowPos
		keep = append(keep, r)
	}
	return keep, bad
}

package admin

import (
	"io"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/store"
)

// maxInvoices bounds the invoices of one record.
const maxInvoices = 100

// recordRow is one record of a file, with where it is.
type recordRow struct {
	rowPos
	rec store.ClientRecord
}

// recordLayout: record_id, email, one column per attribute of cfg, and
// invoices (in CSV "NUMBER:YYYY-MM-DD" separated by ";", in JSON an
// array of such strings).
func recordLayout(cfg *record.Config) importLayout {
	l := importLayout{known: []string{"record_id", "email", "invoices"}, required: []string{"record_id", "email"},
		lists: []string{"invoices"}}
	for _, a := range cfg.Attributes {
		l.known, l.required = append(l.known, a.Name), append(l.required, a.Name)
	}
	return l
}

// readRecordFile reads a record file for the attributes of cfg.
func readRecordFile(r io.Reader, format string, cfg *record.Config) ([]recordRow, []BadRow, error) {
	var rows []recordRow
	var bad []BadRow
	addBad := func(b BadRow) { bad = append(bad, b) }
	err := readImportFile(r, format, recordLayout(cfg), func(ir importRow) {
		rec, p, ok := recordOf(cfg, ir)
		if !ok {
			addBad(ir.bad(p))
			return
		}
		rows = append(rows, recordRow{rowPos: ir.rowPos, rec: rec})
	}, addBad)
	if err != nil {
		return nil, nil, err
	}
	seenID, seenKey := map[string]rowPos{}, map[string]rowPos{}
	var keep []recordRow
	for _, row := range rows {
		if first, dup := seenID[row.rec.RecordID]; dup {
			bad = append(bad, row.bad(first.duplicate("record_id", row.rec.RecordID)))
			continue
		}
		if first, dup := seenKey[row.rec.Key]; dup {
			bad = append(bad, row.bad(first.duplicate(cfg.Attributes[0].Name, row.rec.Key)))
			continue
		}
		seenID[row.rec.RecordID], seenKey[row.rec.Key] = row.rowPos, row.rowPos
		keep = append(keep, row)
	}
	return keep, bad, nil
}

// recordOf reads one row, or says what is wrong with it.
func recordOf(cfg *record.Config, ir importRow) (store.ClientRecord, Problem, bool) {
	col := func(name string) string { return ir.fields[name] }
	rec := store.ClientRecord{RecordID: strings.TrimSpace(col("record_id")), Email: strings.TrimSpace(col("email")),
		Attributes: map[string]string{}}
	switch {
	case rec.RecordID == "":
		return rec, problem("field.empty", "record_id"), false
	case len(rec.RecordID) > maxLegacyIDLen || !printable(rec.RecordID):
		return rec, problem("field.too_long", "record_id", maxLegacyIDLen), false
	case !isAddress(rec.Email):
		return rec, problem("field.email", rec.Email), false
	}
	for i, a := range cfg.Attributes {
		v, ok := a.Normalize(col(a.Name))
		switch {
		case !ok && a.Date:
			return rec, problem("record.date", a.Name, col(a.Name)), false
		case !ok:
			return rec, problem("record.attribute", a.Name), false
		case i == 0:
			rec.Key = v
		default:
			rec.Attributes[a.Name] = v
		}
	}
	invoices, listed := ir.lists["invoices"]
	if !listed {
		invoices = strings.Split(col("invoices"), ";")
	}
	for _, item := range invoices {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if len(rec.Invoices) == maxInvoices {
			return rec, problem("record.invoice_count", maxInvoices), false
		}
		number, date, _ := strings.Cut(item, ":")
		n, ok := record.NormalizeInvoice(number)
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
		if !ok || err != nil {
			return rec, problem("record.invoice", item), false
		}
		rec.Invoices = append(rec.Invoices, store.Invoice{Number: n, Date: d})
	}
	return rec, Problem{}, true
}

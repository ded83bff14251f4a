package admin

import (
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/steps/record"
	"github.com/passerelle/passerelle/store"
)

// maxInvoices bounds the invoices of one record.
const maxInvoices = 100

// recordRow is one record of a file, with the line it is on.
type recordRow struct {
	line int
	rec  store.ClientRecord
}

// readRecordFile reads a record file for the attributes of cfg.
func readRecordFile(r io.Reader, cfg *record.Config) ([]recordRow, []BadRow, error) {
	data, err := readImportFile(r)
	if err != nil {
		return nil, nil, err
	}
	known := []string{"record_id", "email", "invoices"}
	required := []string{"record_id", "email"}
	for _, a := range cfg.Attributes {
		known, required = append(known, a.Name), append(required, a.Name)
	}
	var rows []recordRow
	var bad []BadRow
	err = readCSV(data, known, required, func(line int, col func(string) string) {
		rec, problem := recordOf(cfg, col)
		if problem != "" {
			bad = append(bad, BadRow{Line: line, Problem: problem})
			return
		}
		rows = append(rows, recordRow{line: line, rec: rec})
	})
	if err != nil {
		return nil, nil, err
	}
	seenID, seenKey := map[string]int{}, map[string]int{}
	var keep []recordRow
	for _, row := range rows {
		if first, dup := seenID[row.rec.RecordID]; dup {
			bad = append(bad, BadRow{Line: row.line, Problem: fmt.Sprintf("record_id %q is also on line %d", row.rec.RecordID, first)})
			continue
		}
		if first, dup := seenKey[row.rec.Key]; dup {
			bad = append(bad, BadRow{Line: row.line, Problem: fmt.Sprintf("%s %q is also on line %d", cfg.Attributes[0].Name, row.rec.Key, first)})
			continue
		}
		seenID[row.rec.RecordID], seenKey[row.rec.Key] = row.line, row.line
		keep = append(keep, row)
	}
	return keep, bad, nil
}

// recordOf reads one row, or says what is wrong with it.
func recordOf(cfg *record.Config, col func(string) string) (store.ClientRecord, string) {
	rec := store.ClientRecord{RecordID: strings.TrimSpace(col("record_id")), Email: strings.TrimSpace(col("email")),
		Attributes: map[string]string{}}
	switch {
	case rec.RecordID == "":
		return rec, "record_id is empty"
	case len(rec.RecordID) > maxLegacyIDLen || !printable(rec.RecordID):
		return rec, fmt.Sprintf("record_id must be at most %d printable characters", maxLegacyIDLen)
	}
	if a, err := mail.ParseAddress(rec.Email); err != nil || a.Address != rec.Email || len(rec.Email) > maxEmailLen {
		return rec, fmt.Sprintf("email %q is not an address", rec.Email)
	}
	for i, a := range cfg.Attributes {
		v, ok := a.Normalize(col(a.Name))
		switch {
		case !ok && a.Date:
			return rec, fmt.Sprintf("%s %q is not a date (YYYY-MM-DD)", a.Name, col(a.Name))
		case !ok:
			return rec, fmt.Sprintf("%s is empty or longer than 128 characters", a.Name)
		case i == 0:
			rec.Key = v
		default:
			rec.Attributes[a.Name] = v
		}
	}
	for _, item := range strings.Split(col("invoices"), ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		number, date, _ := strings.Cut(item, ":")
		n, ok := record.NormalizeInvoice(number)
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
		if !ok || err != nil {
			return rec, fmt.Sprintf("invoice %q must be NUMBER:YYYY-MM-DD", item)
		}
		rec.Invoices = append(rec.Invoices, store.Invoice{Number: n, Date: d})
	}
	if len(rec.Invoices) > maxInvoices {
		return rec, fmt.Sprintf("more than %d invoices", maxInvoices)
	}
	return rec, ""
}

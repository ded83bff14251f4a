package admin

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxImportFileBytes bounds an import file (legacy accounts, records).
const MaxImportFileBytes = 64 << 20

// readImportFile reads a whole import file, at most MaxImportFileBytes,
// without a UTF-8 byte order mark.
func readImportFile(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportFileBytes {
		return nil, fmt.Errorf("the file is larger than %d MiB", MaxImportFileBytes>>20)
	}
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
}

// readCSV reads a CSV file whose first line names its columns, each one
// of known (in any case and order), every one of required present, and
// calls row for each following line with its number and a getter of its
// columns ("" for a known column the file lacks). A file that is not CSV
// or whose header is wrong is an error naming the line.
func readCSV(data []byte, known, required []string, row func(line int, col func(string) string)) error {
	cr := csv.NewReader(bytes.NewReader(data))
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("the file is empty: its first line must name the columns " + strings.Join(known, ","))
	}
	if err != nil {
		return fmt.Errorf("not CSV: %w", err)
	}
	at := map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if !slices.Contains(known, name) {
			return fmt.Errorf("line 1: unknown column %q (the columns are %s)", name, strings.Join(known, ","))
		}
		if _, dup := at[name]; dup {
			return fmt.Errorf("line 1: column %q twice", name)
		}
		at[name] = i
	}
	for _, name := range required {
		if _, ok := at[name]; !ok {
			return fmt.Errorf("line 1: the column %q is missing", name)
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not CSV: %w", err) // csv.ParseError names the line
		}
		line, _ := cr.FieldPos(0)
		row(line, func(name string) string {
			if i, ok := at[name]; ok {
				return rec[i]
			}
			return ""
		})
	}
}

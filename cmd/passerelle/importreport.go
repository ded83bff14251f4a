package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/passerelle/passerelle/admin"
)

// langFlag declares -lang, the language of an import's report and of
// an unlink's confirmation.
func langFlag(fs *flag.FlagSet) *string {
	return fs.String("lang", "", "language of an import's report or an unlink's confirmation: en or fr (default: from LC_ALL, LC_MESSAGES or LANG, else en)")
}

// reportLang is the language of an import's report: flag when given (en
// or fr), else the first of the POSIX locale variables LC_ALL,
// LC_MESSAGES and LANG that is set, French when it starts with "fr"
// (fr_CA.UTF-8), else English.
func reportLang(flag string, getenv func(string) string) (string, error) {
	switch flag {
	case "en", "fr":
		return flag, nil
	case "":
	default:
		return "", usageError(fmt.Sprintf("-lang must be en or fr, got %q / -lang doit être en ou fr, et non %q", flag, flag))
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "fr") {
				return "fr", nil
			}
			return "en", nil
		}
	}
	return "en", nil
}

// importFile opens the file at path and imports it with do, in format
// (default: the file's extension), then prints the report in lang: every
// bad row, then the summary (report, a key of the import catalogue). A
// file refused, as a whole or for its bad rows, is the error returned.
func importFile(stdout io.Writer, lang, path, format, report, client string,
	do func(f io.Reader, format string) (admin.ImportReport, error)) error {
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	f, err := os.Open(path)
	if err != nil {
		return errors.New(path + ": " + admin.ImportText(lang, "file.unreadable", err))
	}
	defer f.Close()
	rep, err := do(f, format)
	for _, b := range rep.Bad {
		fmt.Fprintf(stdout, "%s: %s\n", path, b.In(lang))
	}
	if p, ok := admin.ImportProblem(err); ok {
		return errors.New(path + ": " + p.In(lang))
	}
	switch {
	case errors.Is(err, admin.ErrBadRows):
		return errors.New(path + ": " + admin.ImportText(lang, "report.refused", len(rep.Bad)))
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s: %s\n", path, admin.ImportText(lang, report, rep.Imported, client, len(rep.Bad)))
	return nil
}

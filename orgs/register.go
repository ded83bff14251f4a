package orgs

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/passerelle/passerelle/store"
)

// MaxRegisterEntries bounds a client's register, which the broker holds
// in memory (about 100 bytes a business).
const MaxRegisterEntries = 1_000_000

// registerHeader is the first line of a register file.
var registerHeader = []string{"number", "name_en", "name_fr"}

// LoadRegister reads a client's register of businesses
// (clients[].organizations.register): a CSV file whose first line is
// number,name_en,name_fr, then one business a line, each number once and
// both names given. Every bad line is refused with its number.
func LoadRegister(path string) (map[string]store.RegisterEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(registerHeader)
	head, err := r.Read()
	if err != nil || !slices.Equal(head, registerHeader) {
		return nil, fmt.Errorf("register %s: the first line must be %s", path, strings.Join(registerHeader, ","))
	}
	out := map[string]store.RegisterEntry{}
	var problems []string
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case len(out) >= MaxRegisterEntries:
			return nil, fmt.Errorf("register %s: more than %d businesses", path, MaxRegisterEntries)
		default:
			number := strings.TrimSpace(row[0])
			e := store.RegisterEntry{NameEN: strings.TrimSpace(row[1]), NameFR: strings.TrimSpace(row[2])}
			if _, dup := out[number]; dup {
				problems = append(problems, fmt.Sprintf("line %d: number %q is listed twice", line, number))
			} else if number == "" || e.NameEN == "" || e.NameFR == "" {
				problems = append(problems, fmt.Sprintf("line %d: the number and both names are required", line))
			}
			out[number] = e
		}
		if len(problems) >= 20 {
			break
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("register %s: %s", path, strings.Join(problems, "; "))
	}
	return out, nil
}

// fromRegister creates, pending, the organization of a number the
// client's register lists and no organization has yet: activation by mail
// creates it (doc.go). Two requests racing create it once.
func (s *Service) fromRegister(ctx context.Context, cfg *Config, clientID, number string) (store.Organization, error) {
	number = strings.TrimSpace(number)
	e, ok := cfg.Register[number]
	if !ok {
		return store.Organization{}, ErrNumberUnknown
	}
	o, err := s.create(ctx, clientID, map[string]string{"en": e.NameEN, "fr": e.NameFR}, number, store.OrgPending, "register")
	if errors.Is(err, store.ErrAlreadyExists) {
		return s.awaiting(ctx, clientID, number)
	}
	return o, err
}

package record

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/internal/validate"
)

// DefaultClaim is the claim that carries the record ID.
const DefaultClaim = "record_id"

// Attribute is one knowledge attribute the step asks.
type Attribute struct {
	// Name is its column in the record file (letters, digits, _).
	Name string `mapstructure:"name" yaml:"name"`
	// Label and Hint are what the person reads, in English and French.
	Label map[string]string `mapstructure:"label" yaml:"label"`
	Hint  map[string]string `mapstructure:"hint" yaml:"hint"`
	// Date: the value is a date, typed and stored as YYYY-MM-DD.
	Date bool `mapstructure:"date" yaml:"date"`
}

// Config is a client's settings of the record step (clients[].records).
type Config struct {
	// Claim names the claim that carries the record ID (default
	// record_id).
	Claim string `mapstructure:"claim" yaml:"claim"`
	// Attributes are asked in this order; the first finds the record.
	Attributes []Attribute `mapstructure:"attributes" yaml:"attributes"`
	// Invoice turns on the fallback of an invoice number less than three
	// years old; Assisted the request for an agent's help.
	Invoice  bool `mapstructure:"invoice" yaml:"invoice"`
	Assisted bool `mapstructure:"assisted" yaml:"assisted"`
}

// InvoiceAge is how old an invoice may be to prove a file.
const InvoiceAge = 3 * 365 * 24 * time.Hour

var attrName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ClaimName is the claim of c.
func (c *Config) ClaimName() string {
	if c == nil || c.Claim == "" {
		return DefaultClaim
	}
	return c.Claim
}

// Validate lists the problems of c under path.
func (c *Config) Validate(ps *validate.Problems, path string) {
	journey.CheckClaimName(ps, path+".claim", c.Claim)
	if len(c.Attributes) == 0 {
		ps.Add(path+".attributes", "must list at least one attribute (the first finds the record)", nil)
	}
	seen := map[string]bool{}
	for i, a := range c.Attributes {
		p := fmt.Sprintf("%s.attributes[%d]", path, i)
		switch {
		case !attrName.MatchString(a.Name):
			ps.Add(p+".name", "must be 1 to 64 lower-case letters, digits or _, starting with a letter", a.Name)
		case seen[a.Name] || reservedColumn(a.Name):
			ps.Add(p+".name", "must be unique and not record_id, email or invoices", a.Name)
		}
		seen[a.Name] = true
		for _, lang := range []string{"en", "fr"} {
			if strings.TrimSpace(a.Label[lang]) == "" {
				ps.Add(p+".label."+lang, "is required", nil)
			}
		}
	}
}

func reservedColumn(name string) bool {
	return name == "record_id" || name == "email" || name == "invoices"
}

// Normalize is the form a value of a is compared in: a date as
// YYYY-MM-DD, anything else upper-cased without spaces or dashes (so
// "ab-12 34" matches "AB1234"). ok is false for a value that cannot be
// one of a's (empty, or not a date).
func (a Attribute) Normalize(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if a.Date {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "", false
		}
		return t.Format(time.DateOnly), true
	}
	v = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(v))
	return v, v != "" && len(v) <= 128
}

// NormalizeInvoice is the form an invoice number is compared in.
func NormalizeInvoice(v string) (string, bool) {
	return Attribute{}.Normalize(v)
}

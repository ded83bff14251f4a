package broker

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/validate"
)

// TestAccountsConfigValidate names every bad key of the accounts
// section, with its path; off (the zero value) and a full section pass.
func TestAccountsConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    AccountsConfig
		want []string
	}{
		{"off", AccountsConfig{}, nil},
		{"two years with a contact", AccountsConfig{DormantAfter: 17520 * time.Hour, Contact: map[string]string{"en": "x", "fr": "y"}}, nil},
		{"too short, no contact", AccountsConfig{DormantAfter: time.Hour}, []string{"accounts.dormant_after", "accounts.contact.en", "accounts.contact.fr"}},
		{"negative", AccountsConfig{DormantAfter: -time.Hour, Contact: map[string]string{"en": "x", "fr": "y"}}, []string{"accounts.dormant_after"}},
		{"contact in English only", AccountsConfig{Contact: map[string]string{"en": "x"}}, []string{"accounts.contact.fr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps validate.Problems
			tc.c.validate(&ps)
			var paths []string
			for _, p := range ps.List() {
				paths = append(paths, p.Path)
			}
			if fmt.Sprint(paths) != fmt.Sprint(tc.want) {
				t.Errorf("problems at %v, want %v", paths, tc.want)
			}
		})
	}
}

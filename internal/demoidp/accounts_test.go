package demoidp

import "testing"

func TestAccountsCheck(t *testing.T) {
	a := newAccounts([]User{{Username: "alice", Password: "a-pass"}, {Username: "bob", Password: "b-pass"}})
	for _, tc := range []struct {
		name, user, pass, want string
	}{
		{"right pair", "bob", "b-pass", "bob"},
		{"wrong password", "bob", "nope", ""},
		{"another user's password", "bob", "a-pass", ""},
		{"unknown username", "carol", "a-pass", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if u := a.check(tc.user, tc.pass); u != nil {
				got = u.Username
			}
			if got != tc.want {
				t.Fatalf("check(%q, %q) = %q, want %q", tc.user, tc.pass, got, tc.want)
			}
		})
	}
}

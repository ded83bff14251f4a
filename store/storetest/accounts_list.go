package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// testListAccounts: paging with the last ID of each page visits every
// account exactly once, each page holds at most the limit, and an
// account's dormancy fields survive the round trip.
func testListAccounts(t *testing.T, newStore NewStore) {
	s, _ := open(t, newStore)
	ctx := t.Context()
	page, err := s.ListAccounts(ctx, "", 10)
	must(t, err, "ListAccounts of an empty store")
	if len(page) != 0 {
		t.Fatalf("ListAccounts of an empty store: %d accounts", len(page))
	}
	want := map[string]store.Account{}
	for i := range 7 {
		a := account(fmt.Sprintf("acct-%c%d", "aBcDeFg"[i], i))
		if i == 3 {
			a.DormantSince = epoch.Add(time.Hour)
			a.ReactivatedAt = epoch.Add(2 * time.Hour)
		}
		must(t, s.CreateAccount(ctx, a, link("gckey", "gc-"+a.ID, a.ID)), "CreateAccount")
		want[a.ID] = a
	}
	seen := map[string]bool{}
	after := ""
	for pages := 0; ; pages++ {
		if pages > 7 {
			t.Fatal("ListAccounts does not end")
		}
		page, err := s.ListAccounts(ctx, after, 3)
		must(t, err, "ListAccounts")
		if len(page) > 3 {
			t.Fatalf("ListAccounts(limit 3) returned %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, a := range page {
			if seen[a.ID] {
				t.Fatalf("account %s listed twice", a.ID)
			}
			seen[a.ID] = true
			same(t, a, want[a.ID], "ListAccounts "+a.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != len(want) {
		t.Fatalf("ListAccounts visited %d accounts, want %d", len(seen), len(want))
	}
}

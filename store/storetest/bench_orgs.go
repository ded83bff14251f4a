package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle/store"
)

// BenchOrganizations reports what the one-record design of organizations
// costs as an organization grows (members: 10, 500 and store.MaxOrgMembers
// − 1): "list" is the organization step's read at each sign-in
// (ListOrganizationsOf for one member), "update" one change of a member's
// role, which rewrites the record and its index entries in one
// transaction. open gives an empty store for one sub-benchmark.
func BenchOrganizations(b *testing.B, open func(b *testing.B) store.Store) {
	for _, n := range []int{10, 500, store.MaxOrgMembers - 1} {
		for _, op := range []string{"list", "update"} {
			b.Run(fmt.Sprintf("%s/members=%d", op, n), func(b *testing.B) {
				s := open(b)
				ctx := context.Background()
				o := store.Organization{ClientID: "rp", ID: "org", Status: store.OrgActive, Owner: "owner",
					Names: map[string]string{"en": "Org", "fr": "Org"}, CreatedAt: time.Now()}
				for i := range n {
					o.Members = append(o.Members, store.Member{AccountID: fmt.Sprintf("acct-%d", i), Role: "user", Since: time.Now()})
				}
				if err := s.CreateOrganization(ctx, o); err != nil {
					b.Fatal(err)
				}
				i := 0
				for b.Loop() {
					i++
					var err error
					if op == "list" {
						_, err = s.ListOrganizationsOf(ctx, "rp", fmt.Sprintf("acct-%d", i%n))
					} else {
						err = s.UpdateOrganization(ctx, "rp", "org", func(o store.Organization) (store.Organization, error) {
							o.Members[i%n].Role = fmt.Sprintf("role-%d", i%2)
							return o, nil
						})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

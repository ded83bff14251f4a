package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// Organizations live in one bucket keyed by (client, ID), so a client's
// organizations are one key prefix and no key of another client's ever
// matches. Three indexes, each also led by the client: external number →
// ID (unique), (account, ID) for the owner and every member, and
// invitation hash → ID. An update recomputes the entries of the old and
// the new record and moves only those that changed.

// CreateOrganization stores o and its index entries in one transaction,
// every check before the first write.
func (s *orgRecords) CreateOrganization(ctx context.Context, o store.Organization) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("store/bolt: %w", err)
	}
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, organizations, o); err != nil {
			return err
		}
		if err := checkNumberFree(tx, o, store.ErrAlreadyExists); err != nil {
			return err
		}
		if err := moveOrgEntries(tx, nil, o); err != nil {
			return err
		}
		return save(tx, organizations, o)
	})
}

// GetOrganization returns the client's organization with this ID.
func (s *orgRecords) GetOrganization(ctx context.Context, clientID, id string) (store.Organization, error) {
	return get(ctx, s.base, organizations, orgKey(clientID, id))
}

// GetOrganizationByNumber finds the client's organization by external
// number.
func (s *orgRecords) GetOrganizationByNumber(ctx context.Context, clientID, number string) (store.Organization, error) {
	return s.byIndex(ctx, clientID, indexOrgByNumber, []byte(number))
}

// GetOrganizationByInvitation finds the client's organization holding the
// invitation with this code hash.
func (s *orgRecords) GetOrganizationByInvitation(ctx context.Context, clientID string, hash []byte) (store.Organization, error) {
	return s.byIndex(ctx, clientID, indexOrgByInvitation, hash)
}

func (s *orgRecords) byIndex(ctx context.Context, clientID string, index, value []byte) (store.Organization, error) {
	if clientID == "" || len(value) == 0 {
		return store.Organization{}, organizations.notFound()
	}
	var o store.Organization
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		id := tx.Bucket(index).Get(orgIndexKey(clientID, value))
		if id == nil {
			return organizations.notFound()
		}
		var err error
		o, err = getLive(s.base, tx, organizations, orgKey(clientID, string(id)))
		return err
	})
	return o, err
}

// ListOrganizations returns the client's organizations in ID order.
func (s *orgRecords) ListOrganizations(ctx context.Context, clientID string) ([]store.Organization, error) {
	var out []store.Organization
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		prefix := part(nil, []byte(clientID))
		c := tx.Bucket(bucketOrgs).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			o, ok, err := load(tx, organizations, k)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// ListOrganizationsOf returns the client's organizations the account owns
// or belongs to, in ID order.
func (s *orgRecords) ListOrganizationsOf(ctx context.Context, clientID, accountID string) ([]store.Organization, error) {
	var out []store.Organization
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		if clientID == "" || accountID == "" {
			return nil
		}
		for _, id := range owned(tx, indexOrgsByAccount, memberOwner(clientID, accountID)) {
			o, ok, err := load(tx, organizations, orgKey(clientID, string(id)))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// UpdateOrganization applies fn and moves the index entries that changed.
func (s *orgRecords) UpdateOrganization(ctx context.Context, clientID, id string, fn func(store.Organization) (store.Organization, error)) error {
	checked := func(o store.Organization) (store.Organization, error) {
		n, err := fn(o.Clone())
		if err != nil {
			return n, err
		}
		if err := n.Validate(); err != nil {
			return n, fmt.Errorf("store/bolt: %w", err)
		}
		return n, nil
	}
	return update(ctx, s.base, organizations, orgKey(clientID, id), checked, func(tx *bbolt.Tx, old, o store.Organization) error {
		if o.ExternalNumber != old.ExternalNumber {
			if err := checkNumberFree(tx, o, store.ErrConflict); err != nil {
				return err
			}
		}
		return moveOrgEntries(tx, &old, o)
	})
}

// checkNumberFree refuses o's external number when another organization of
// the client holds it.
func checkNumberFree(tx *bbolt.Tx, o store.Organization, taken error) error {
	if o.ExternalNumber == "" {
		return nil
	}
	if id := tx.Bucket(indexOrgByNumber).Get(orgIndexKey(o.ClientID, []byte(o.ExternalNumber))); id != nil && string(id) != o.ID {
		return refuse(fmt.Errorf("store/bolt: organization external number: %w", taken))
	}
	return nil
}

// orgEntries is every index entry of o: bucket, key and value.
func orgEntries(o store.Organization) []indexEntry {
	var out []indexEntry
	if o.ExternalNumber != "" {
		out = append(out, indexEntry{indexOrgByNumber, orgIndexKey(o.ClientID, []byte(o.ExternalNumber)), []byte(o.ID)})
	}
	for _, a := range o.MemberAccounts() {
		out = append(out, indexEntry{indexOrgsByAccount, ownedKey(memberOwner(o.ClientID, a), []byte(o.ID)), []byte{}})
	}
	for _, i := range o.Invitations {
		out = append(out, indexEntry{indexOrgByInvitation, orgIndexKey(o.ClientID, i.Hash), []byte(o.ID)})
	}
	return out
}

type indexEntry struct{ bucket, key, value []byte }

// moveOrgEntries deletes the index entries old had and o has not, and puts
// those o has and old had not (old nil: a new record).
func moveOrgEntries(tx *bbolt.Tx, old *store.Organization, o store.Organization) error {
	had := map[string]bool{}
	if old != nil {
		for _, e := range orgEntries(*old) {
			had[string(e.bucket)+"\x00"+string(e.key)] = true
		}
	}
	for _, e := range orgEntries(o) {
		id := string(e.bucket) + "\x00" + string(e.key)
		if had[id] {
			delete(had, id)
			continue
		}
		if err := tx.Bucket(e.bucket).Put(e.key, e.value); err != nil {
			return err
		}
	}
	if old != nil {
		for _, e := range orgEntries(*old) {
			if had[string(e.bucket)+"\x00"+string(e.key)] {
				if err := tx.Bucket(e.bucket).Delete(e.key); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// orgKey is the primary key of an organization: (client, ID).
func orgKey(clientID, id string) []byte {
	return part(part(nil, []byte(clientID)), []byte(id))
}

// orgIndexKey is a unique index key of the client's organizations.
func orgIndexKey(clientID string, value []byte) []byte {
	return part(part(nil, []byte(clientID)), value)
}

// memberOwner is the owner part of a membership index key: the client and
// the account, length-prefixed so that no pair shares another's encoding.
func memberOwner(clientID, accountID string) string {
	return string(part(part(nil, []byte(clientID)), []byte(accountID)))
}

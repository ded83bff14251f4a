package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
)

// Organizations live in the organizations table keyed by (client_id, id),
// with the external number a unique column; organization_members and
// organization_invitations index the owner and members and the invitation
// hashes the record holds, rewritten with the record in one transaction.
// An update locks the organization's row (SELECT ... FOR UPDATE), so two
// updates of one organization never interleave.

const orgNoun = "organization"

// CreateOrganization stores o and its side rows in one transaction.
func (s *orgRecords) CreateOrganization(ctx context.Context, o store.Organization) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("store/postgres: %w", err)
	}
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		raw, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("store/postgres: encode organization: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO organizations (client_id, id, external_number, record) VALUES ($1, $2, $3, $4)`,
			o.ClientID, o.ID, nullString(o.ExternalNumber), raw)
		if err != nil {
			return contractError(err, orgNoun, store.ErrAlreadyExists)
		}
		return writeOrgIndexes(ctx, tx, o)
	})
}

// GetOrganization returns the client's organization with this ID.
func (s *orgRecords) GetOrganization(ctx context.Context, clientID, id string) (store.Organization, error) {
	return s.one(ctx, "SELECT record FROM organizations WHERE client_id = $1 AND id = $2", clientID, id)
}

// GetOrganizationByNumber finds the client's organization by external
// number.
func (s *orgRecords) GetOrganizationByNumber(ctx context.Context, clientID, number string) (store.Organization, error) {
	return s.one(ctx, "SELECT record FROM organizations WHERE client_id = $1 AND external_number = $2", clientID, number)
}

// GetOrganizationByInvitation finds the client's organization holding the
// invitation with this code hash.
func (s *orgRecords) GetOrganizationByInvitation(ctx context.Context, clientID string, hash []byte) (store.Organization, error) {
	return s.one(ctx, `SELECT o.record FROM organization_invitations i
		JOIN organizations o ON o.client_id = i.client_id AND o.id = i.org_id
		WHERE i.client_id = $1 AND i.hash = $2`, clientID, hash)
}

func (s *orgRecords) one(ctx context.Context, sql string, args ...any) (store.Organization, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return oneFrom[store.Organization](s.base, s.pool.QueryRow(ctx, sql, args...), orgNoun)
}

// ListOrganizations returns the client's organizations in ID order.
func (s *orgRecords) ListOrganizations(ctx context.Context, clientID string) ([]store.Organization, error) {
	return queryRecords[store.Organization](ctx, s.base, orgNoun,
		"SELECT record FROM organizations WHERE client_id = $1 ORDER BY id", clientID)
}

// ListOrganizationsOf returns the client's organizations the account owns
// or belongs to, in ID order.
func (s *orgRecords) ListOrganizationsOf(ctx context.Context, clientID, accountID string) ([]store.Organization, error) {
	return queryRecords[store.Organization](ctx, s.base, orgNoun, `SELECT o.record FROM organization_members m
		JOIN organizations o ON o.client_id = m.client_id AND o.id = m.org_id
		WHERE m.client_id = $1 AND m.account_id = $2 ORDER BY o.id`, clientID, accountID)
}

// UpdateOrganization locks the row, applies fn and rewrites the record and
// its side rows.
func (s *orgRecords) UpdateOrganization(ctx context.Context, clientID, id string, fn func(store.Organization) (store.Organization, error)) error {
	return s.inTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := scanOne[store.Organization](tx.QueryRow(ctx,
			"SELECT record FROM organizations WHERE client_id = $1 AND id = $2 FOR UPDATE", clientID, id), orgNoun)
		if err != nil {
			return err
		}
		o, err := fn(old.Clone())
		if err != nil {
			return err
		}
		if o.ClientID != clientID || o.ID != id {
			return fmt.Errorf("store/postgres: organization: update may not change the key: %w", store.ErrConflict)
		}
		if err := o.Validate(); err != nil {
			return fmt.Errorf("store/postgres: %w", err)
		}
		raw, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("store/postgres: encode organization: %w", err)
		}
		_, err = tx.Exec(ctx, "UPDATE organizations SET external_number = $3, record = $4 WHERE client_id = $1 AND id = $2",
			clientID, id, nullString(o.ExternalNumber), raw)
		if err != nil {
			return contractError(err, orgNoun, store.ErrConflict)
		}
		return moveOrgIndexes(ctx, tx, &old, o)
	})
}

// writeOrgIndexes inserts the side rows of a new o: one per owner or
// member, one per invitation.
func writeOrgIndexes(ctx context.Context, tx pgx.Tx, o store.Organization) error {
	return moveOrgIndexes(ctx, tx, nil, o)
}

// moveOrgIndexes deletes the side rows old had and o has not, and inserts
// those o has and old had not (old nil: a new record), so a change to one
// member of a large organization writes one row, not all of them.
func moveOrgIndexes(ctx context.Context, tx pgx.Tx, old *store.Organization, o store.Organization) error {
	var oldMembers []string
	var oldHashes [][]byte
	if old != nil {
		oldMembers, oldHashes = old.MemberAccounts(), invitationHashes(*old)
	}
	goneM, newM := setDiff(oldMembers, o.MemberAccounts(), func(a string) string { return a })
	goneH, newH := setDiff(oldHashes, invitationHashes(o), func(h []byte) string { return string(h) })
	for _, q := range []struct {
		sql  string
		rows any
	}{
		{"DELETE FROM organization_members WHERE client_id = $1 AND org_id = $3 AND account_id = ANY($2::text[])", goneM},
		{"DELETE FROM organization_invitations WHERE client_id = $1 AND org_id = $3 AND hash = ANY($2::bytea[])", goneH},
		{"INSERT INTO organization_members (client_id, account_id, org_id) SELECT $1, unnest($2::text[]), $3", newM},
		{"INSERT INTO organization_invitations (client_id, hash, org_id) SELECT $1, unnest($2::bytea[]), $3", newH},
	} {
		if _, err := tx.Exec(ctx, q.sql, o.ClientID, q.rows, o.ID); err != nil {
			return contractError(err, "organization index", store.ErrConflict)
		}
	}
	return nil
}

// invitationHashes are the code hashes of o's invitations.
func invitationHashes(o store.Organization) [][]byte {
	out := make([][]byte, 0, len(o.Invitations))
	for _, i := range o.Invitations {
		out = append(out, i.Hash)
	}
	return out
}

// setDiff returns what of old is not in now, and what of now is not in
// old, comparing by key.
func setDiff[T any](old, now []T, key func(T) string) (gone, added []T) {
	had, has := map[string]bool{}, map[string]bool{}
	for _, v := range old {
		had[key(v)] = true
	}
	for _, v := range now {
		has[key(v)] = true
		if !had[key(v)] {
			added = append(added, v)
		}
	}
	for _, v := range old {
		if !has[key(v)] {
			gone = append(gone, v)
		}
	}
	return gone, added
}

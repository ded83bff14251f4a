package bolt

import (
	"bytes"
	"context"
	"encoding/json"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

// CreateGrant stores a grant, lists it under its account and, when it has
// a refresh token, lists the refresh hash under the grant.
// ErrAlreadyExists if the ID is known; the hash is of a random token and
// is not checked against other grants' (there is no index to check it
// in: see indexRefresh).
func (s *grantRecords) CreateGrant(ctx context.Context, g store.Grant) error {
	g = g.WithRevokedAt(s.now())
	return s.write(ctx, func(tx *bbolt.Tx) error {
		if err := checkNew(tx, grants, g); err != nil {
			return err
		}
		return putGrant(tx, g)
	})
}

// putGrant writes a new grant (checkNew passed) with its indexes.
func putGrant(tx *bbolt.Tx, g store.Grant) error {
	if err := save(tx, grants, g); err != nil {
		return err
	}
	if err := mark(tx, indexGrantsByAccount, ownedKey(g.AccountID, []byte(g.ID))); err != nil {
		return err
	}
	return indexRefresh(tx, g)
}

// indexRefresh lists the grant's current refresh hash under the grant
// (idx_refresh_by_grant), where GetGrantByRefreshHash finds it and every
// hash the grant had before, and Sweep all of them with the grant. A
// hash the grant had before and comes back to is current again, no
// longer retired. The hash is not indexed by itself: refresh tokens name
// their grant, and idx_grant_by_refresh holds only the hashes of tokens
// issued before they did (GetGrantByLegacyRefreshHash), which a rotation
// no longer adds to (a rotation among many grants wrote a third fewer
// pages: BenchmarkRefreshRotation).
func indexRefresh(tx *bbolt.Tx, g store.Grant) error {
	if len(g.RefreshHash) == 0 {
		return nil
	}
	if err := unretire(tx, g.ID, g.RefreshHash); err != nil {
		return err
	}
	return mark(tx, indexRefreshByGrant, ownedKey(g.ID, g.RefreshHash))
}

// GetGrant returns a live grant (revoked or not).
func (s *grantRecords) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	return get(ctx, s.base, grants, []byte(id))
}

// GetGrantWithAccount returns a live grant (revoked or not) and its
// account, read in one transaction, each through its decoded cache. A
// grant whose account is missing comes back with the account's
// ErrNotFound.
func (s *grantRecords) GetGrantWithAccount(ctx context.Context, id string) (store.Grant, store.Account, error) {
	var g store.Grant
	var a store.Account
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		read, err := getLive(s.base, tx, grants, []byte(id))
		if err != nil {
			return err
		}
		g = read
		a, err = getLive(s.base, tx, accounts, []byte(g.AccountID))
		return err
	})
	return g, a, err
}

// GetGrantByRefreshHash returns live grant grantID if hash is listed
// under it, current or rotated away; compare the hash with
// Grant.RefreshHash to tell which.
func (s *grantRecords) GetGrantByRefreshHash(ctx context.Context, grantID string, hash []byte) (store.Grant, error) {
	var g store.Grant
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if len(hash) == 0 || !marked(tx, indexRefreshByGrant, ownedKey(grantID, hash)) {
			return grants.notFound()
		}
		var err error
		g, err = getLive(s.base, tx, grants, []byte(grantID))
		return err
	})
	return g, err
}

// GetGrantByLegacyRefreshHash finds a grant through idx_grant_by_refresh,
// which holds the hashes of tokens issued before tokens named their
// grant (a file written then); nothing is added to it now.
func (s *grantRecords) GetGrantByLegacyRefreshHash(ctx context.Context, hash []byte) (store.Grant, error) {
	return getByIndex(ctx, s.base, grants, indexGrantByRefresh, hash)
}

// UpdateGrant applies fn to a live grant. A new refresh hash is listed
// under the grant and becomes its current one (currentRefresh); old
// hashes stay listed. A revocation is dated (WithRevokedAt), which moves
// the grant's sweep time. An update that changed only the refresh hash (a
// rotation) leaves the grant's record as it is stored: its pages are not
// written.
func (s *grantRecords) UpdateGrant(ctx context.Context, id string, fn func(store.Grant) (store.Grant, error)) error {
	dated := func(g store.Grant) (store.Grant, error) {
		g, err := fn(g)
		return g.WithRevokedAt(s.now()), err
	}
	return update(ctx, s.base, grants, []byte(id), dated, func(tx *bbolt.Tx, old, g store.Grant) error {
		if g.AccountID != old.AccountID {
			if err := tx.Bucket(indexGrantsByAccount).Delete(ownedKey(old.AccountID, []byte(g.ID))); err != nil {
				return err
			}
			if err := mark(tx, indexGrantsByAccount, ownedKey(g.AccountID, []byte(g.ID))); err != nil {
				return err
			}
		}
		if bytes.Equal(g.RefreshHash, old.RefreshHash) {
			return nil
		}
		if err := retire(tx, g.ID, old.RefreshHash, s.now()); err != nil {
			return err
		}
		if err := indexRefresh(tx, g); err != nil {
			return err
		}
		if len(g.RefreshHash) == 0 { // the record says so (onlyRefreshRotated)
			return tx.Bucket(indexRefreshByGrant).Delete(currentRefreshKey(g.ID))
		}
		return tx.Bucket(indexRefreshByGrant).Put(currentRefreshKey(g.ID), g.RefreshHash)
	})
}

// currentRefreshKey is the idx_refresh_by_grant key of a grant's current
// refresh hash, once a rotation has written it: the grant's own prefix,
// which sorts before the grant's hashes and so, unless those fill a
// leaf, in the same leaf. A rotation writes that leaf (and
// idx_refresh_retired's last) but not the grant's record, a leaf of the
// large grants bucket with its branch page: about half of a rotation's
// pages (BenchmarkRefreshRotation).
func currentRefreshKey(grantID string) []byte { return ownedKey(grantID, nil) }

// currentRefresh reads a grant's current refresh hash over the one its
// record holds, which is the current one only until the grant's first
// rotation (records written before this version have no entry). It is
// grants' amend.
func currentRefresh(tx *bbolt.Tx, g *store.Grant) {
	if h := tx.Bucket(indexRefreshByGrant).Get(currentRefreshKey(g.ID)); len(h) > 0 {
		g.RefreshHash = bytes.Clone(h)
	}
}

// onlyRefreshRotated reports whether a grant as an update left it
// differs from its stored record only in its refresh hash, which is then
// not written into the record (grants' unchanged). It compares
// encodings, so a change made through a slice the update shared with
// the grant it read is seen all the same, and a record an earlier
// version encoded otherwise is written again. A grant left without a
// refresh hash is written, and has no current entry: an empty value
// would read as none (bbolt's Get, inside the transaction that put it).
func onlyRefreshRotated(stored []byte, g store.Grant) bool {
	if len(g.RefreshHash) == 0 {
		return false
	}
	rec, err := decoded.Grants.Decode(stored)
	if err != nil {
		return false
	}
	g.RefreshHash = rec.RefreshHash
	raw, err := json.Marshal(g)
	return err == nil && bytes.Equal(raw, stored)
}

// refreshHashes lists every refresh hash listed under a grant, current
// or rotated away.
func refreshHashes(tx *bbolt.Tx, grantID string) [][]byte {
	var hashes [][]byte
	for _, h := range owned(tx, indexRefreshByGrant, grantID) {
		if len(h) > 0 { // not the current hash's own entry
			hashes = append(hashes, h)
		}
	}
	return hashes
}

// RevokeGrantsByAccount marks every live grant of the account revoked and
// returns how many were not revoked before.
func (s *grantRecords) RevokeGrantsByAccount(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		n = 0
		for _, id := range owned(tx, indexGrantsByAccount, accountID) {
			g, ok, err := load(tx, grants, id)
			if err != nil {
				return err
			}
			if !ok || g.Revoked || s.expired(g.ExpiresAt) {
				continue
			}
			old := g
			g.Revoked = true
			g = g.WithRevokedAt(s.now())
			if err := saveOver(tx, grants, &old, g); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// deleteGrant removes a grant with every index entry that names it and
// returns how many keys it deleted.
func deleteGrant(tx *bbolt.Tx, g store.Grant) (int, error) {
	keys := 0
	if tx.Bucket(indexRefreshByGrant).Get(currentRefreshKey(g.ID)) != nil {
		if err := tx.Bucket(indexRefreshByGrant).Delete(currentRefreshKey(g.ID)); err != nil {
			return keys, err
		}
		keys++
	}
	for _, hash := range refreshHashes(tx, g.ID) {
		if err := unretire(tx, g.ID, hash); err != nil {
			return keys, err
		}
		if bytes.Equal(tx.Bucket(indexGrantByRefresh).Get(hash), []byte(g.ID)) { // a legacy token's
			if err := tx.Bucket(indexGrantByRefresh).Delete(hash); err != nil {
				return keys, err
			}
			keys++
		}
		if err := tx.Bucket(indexRefreshByGrant).Delete(ownedKey(g.ID, hash)); err != nil {
			return keys, err
		}
		keys++
	}
	if err := tx.Bucket(indexGrantsByAccount).Delete(ownedKey(g.AccountID, []byte(g.ID))); err != nil {
		return keys, err
	}
	return keys + 3, drop(tx, grants, g)
}

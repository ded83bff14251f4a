package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/passerelle/passerelle/store"
)

// DefaultMaxAuthRequests bounds the auth requests (sign-ins in progress)
// the database holds when Options.MaxAuthRequests is zero: at about 2 KB
// each, 200 MB at the worst, as many as a bbolt store keeps in memory.
const DefaultMaxAuthRequests = 100_000

// authRequests are the sign-ins in progress. holder is whom a request
// past its credential belongs to (store.AuthRequest.Holder; NULL before);
// the evictable column, which a full table reads, follows it through the
// triggers of migration 00012: a request is protected from eviction from
// when it gets a holder until it is beyond the holder's
// store.MaxHeldAuthRequests newest.
var authRequests = table[store.AuthRequest]{noun: "auth request", name: "auth_requests", key: "id",
	keyOf:     func(r store.AuthRequest) any { return r.ID },
	cols:      []string{"expires_at", "holder"},
	vals:      func(r store.AuthRequest) []any { return []any{expiry(r.ExpiresAt), nullString(r.Holder())} },
	transient: true}

// errFull refuses a new auth request when the table is at its bound and
// holds nothing it may evict.
var errFull = errors.New("too many auth requests in progress")

// makeRoom deletes, at the cap, the expired auth requests (up to $2, by
// the expires_at index), or when there are none the oldest evictable one
// (by the evictable index), and returns how many it deleted. SKIP LOCKED
// lets replicas making room at once each delete a row of its own.
const makeRoom = `WITH expired AS (
	DELETE FROM auth_requests WHERE ctid IN (SELECT ctid FROM auth_requests
		WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1),
evicted AS (
	DELETE FROM auth_requests WHERE ctid IN (SELECT ctid FROM auth_requests
		WHERE evictable AND NOT EXISTS (SELECT FROM expired) ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING 1)
SELECT (SELECT count(*) FROM expired) + (SELECT count(*) FROM evicted)`

// anyEvictable says whether a fresh snapshot holds a request makeRoom
// may delete.
const anyEvictable = `SELECT EXISTS (SELECT FROM auth_requests WHERE evictable) OR EXISTS (SELECT FROM auth_requests WHERE expires_at < $1)`

// CreateAuthRequest stores the state of a new authorization request. It
// is one statement while the table holds fewer than the cap
// (Options.MaxAuthRequests), read from the counts the table's triggers
// keep (migration 00011). At the cap it first makes room (makeRoom): the
// expired requests go, else the oldest evictable one (nobody has signed
// in to it, or it is beyond its holder's store.MaxHeldAuthRequests
// newest); when every request is protected it refuses.
func (s *flowRecords) CreateAuthRequest(ctx context.Context, r store.AuthRequest) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cols, args, err := authRequests.row(r)
	if err != nil {
		return err
	}
	// A taken ID is tried too, so that it fails as a duplicate.
	below := fmt.Sprintf(`INSERT INTO auth_requests (%s) SELECT %s
		WHERE (SELECT coalesce(sum(n), 0) FROM auth_request_counts) < $%d OR EXISTS (SELECT FROM auth_requests WHERE id = $1)`,
		cols, placeholders(1, len(args)), len(args)+1)
	args = append(args, s.maxAuthRequests)
	for {
		tag, err := s.pool.Exec(ctx, below, args...)
		if err != nil || tag.RowsAffected() == 1 {
			return s.fail(contractError(err, authRequests.noun, store.ErrAlreadyExists))
		}
		var made int
		if err := s.pool.QueryRow(ctx, makeRoom, s.now(), SweepBatch).Scan(&made); err != nil {
			return s.fail(err)
		}
		if made > 0 {
			return s.fail(authRequests.insert(ctx, s.pool, r))
		}
		// makeRoom reads one snapshot, taken when it started: while it
		// waited for a core, other replicas at the cap may have evicted
		// every request it saw, and the ones they created since are not
		// in it. It refuses only when a fresh snapshot holds nothing to
		// evict either; otherwise it tries again (until ctx's deadline).
		var room bool
		if err := s.pool.QueryRow(ctx, anyEvictable, s.now()).Scan(&room); err != nil {
			return s.fail(err)
		}
		if !room {
			return fmt.Errorf("store/postgres: %d auth requests in progress, none evictable, the most this store holds (Options.MaxAuthRequests): %w",
				s.maxAuthRequests, errFull)
		}
	}
}

// GetAuthRequest returns the auth request, ErrNotFound once it expired.
// The broker updates what it read: the row is remembered for that
// update (getSeen).
func (s *flowRecords) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return authRequests.getSeen(ctx, s.base, id)
}

// GetAuthRequestWithAccount reads a live auth request, the account its
// record names and that account's factors in one statement
// (withAccount). The request's row is remembered too, for the
// UpdateAuthRequest that follows.
func (s *flowRecords) GetAuthRequestWithAccount(ctx context.Context, id string) (store.AuthRequest, store.Account, []store.Factor, error) {
	var req seen
	a, fs, found, err := s.withAccount(ctx, "r.record, r.xmin, r.expires_at", "auth_requests r", "r.record->>'account_id'",
		"r.id = $1 AND (r.expires_at IS NULL OR r.expires_at >= $2)", []any{id, s.now()}, &req.raw, &req.version, &req.expires)
	if err != nil {
		return store.AuthRequest{}, store.Account{}, nil, err
	}
	if req.raw == nil {
		return store.AuthRequest{}, store.Account{}, nil, authRequests.notFound()
	}
	ar, err := authRequests.decode(req.raw)
	if err != nil {
		return store.AuthRequest{}, store.Account{}, nil, err
	}
	s.seen.put(authRequests.name, authRequests.keyOf(ar), req)
	if ar.AccountID != "" && !found {
		return ar, store.Account{}, nil, accounts.notFound()
	}
	return ar, a, fs, nil
}

// UpdateAuthRequest applies fn to a live auth request.
func (s *flowRecords) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	return authRequests.update(ctx, s.base, id, fn, nil)
}

// DeleteAuthRequest removes a live auth request.
func (s *flowRecords) DeleteAuthRequest(ctx context.Context, id string) error {
	return authRequests.remove(ctx, s.base, id)
}

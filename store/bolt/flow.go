package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

// The auth requests live in memory (memTable), never in the file: see
// the package doc's Durability.

// CreateAuthRequest stores the state of a new authorization request.
func (s *flowRecords) CreateAuthRequest(ctx context.Context, r store.AuthRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.authRequests.create(r.ID, r)
}

// GetAuthRequest returns the auth request, ErrNotFound once it expired.
func (s *flowRecords) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	if err := ctx.Err(); err != nil {
		return store.AuthRequest{}, err
	}
	return s.authRequests.get(id)
}

// GetAuthRequestWithAccount returns a live auth request (from memory)
// and the account it names with its factors (one read transaction).
func (s *flowRecords) GetAuthRequestWithAccount(ctx context.Context, id string) (store.AuthRequest, store.Account, []store.Factor, error) {
	ar, err := s.GetAuthRequest(ctx, id)
	if err != nil || ar.AccountID == "" {
		return ar, store.Account{}, nil, err
	}
	var a store.Account
	var fs []store.Factor
	err = s.view(ctx, func(tx *bbolt.Tx) (err error) {
		a, fs, err = s.accountAndFactors(tx, ar.AccountID)
		return err
	})
	if err != nil {
		return ar, store.Account{}, nil, err
	}
	return ar, a, fs, nil
}

// UpdateAuthRequest applies fn to a live auth request.
func (s *flowRecords) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.authRequests.update(id, fn)
}

// DeleteAuthRequest removes a live auth request.
func (s *flowRecords) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.authRequests.remove(id)
}

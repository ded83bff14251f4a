package bolt

import (
	"context"

	"github.com/passerelle/passerelle/store"
)

// CreateAuthRequest stores the state of a new authorization request.
func (s *Store) CreateAuthRequest(ctx context.Context, r store.AuthRequest) error {
	return create(ctx, s, authRequests, r)
}

// GetAuthRequest returns the auth request, ErrNotFound once it expired.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return get(ctx, s, authRequests, []byte(id))
}

// UpdateAuthRequest applies fn to a live auth request.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	return update(ctx, s, authRequests, []byte(id), fn, nil)
}

// DeleteAuthRequest removes a live auth request.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return remove(ctx, s, authRequests, []byte(id))
}

// CreateCode stores an issued authorization code under its hash.
func (s *Store) CreateCode(ctx context.Context, c store.Code) error {
	return create(ctx, s, codes, c)
}

// UpdateCode applies fn to the code with this hash, spent or not, until it
// expires. Redemption is fn checking Spent and setting it: the read and
// the write share one transaction, so of two racing redemptions exactly
// one sees the code unspent.
func (s *Store) UpdateCode(ctx context.Context, hash []byte, fn func(store.Code) (store.Code, error)) error {
	return update(ctx, s, codes, hash, fn, nil)
}

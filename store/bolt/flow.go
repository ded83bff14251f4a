package bolt

import (
	"context"

	"github.com/passerelle/passerelle/store"
)

// CreateAuthRequest stores the state of a new authorization request.
func (s *flowRecords) CreateAuthRequest(ctx context.Context, r store.AuthRequest) error {
	return create(ctx, s.base, authRequests, r)
}

// GetAuthRequest returns the auth request, ErrNotFound once it expired.
func (s *flowRecords) GetAuthRequest(ctx context.Context, id string) (store.AuthRequest, error) {
	return get(ctx, s.base, authRequests, []byte(id))
}

// UpdateAuthRequest applies fn to a live auth request.
func (s *flowRecords) UpdateAuthRequest(ctx context.Context, id string, fn func(store.AuthRequest) (store.AuthRequest, error)) error {
	return update(ctx, s.base, authRequests, []byte(id), fn, nil)
}

// DeleteAuthRequest removes a live auth request.
func (s *flowRecords) DeleteAuthRequest(ctx context.Context, id string) error {
	return remove(ctx, s.base, authRequests, []byte(id))
}

package bolt

import (
	"context"

	"github.com/passerelle/passerelle/store"
)

// CreateClient stores a client registered at run time.
func (s *clientRecords) CreateClient(ctx context.Context, c store.Client) error {
	return create(ctx, s.base, clients, c)
}

// GetClient returns the client with this ID.
func (s *clientRecords) GetClient(ctx context.Context, id string) (store.Client, error) {
	return get(ctx, s.base, clients, []byte(id))
}

// ListClients returns every stored client in ID order.
func (s *clientRecords) ListClients(ctx context.Context) ([]store.Client, error) {
	return list(ctx, s.base, clients)
}

// UpdateClient applies fn to the client; fn may not change its ID.
func (s *clientRecords) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) error {
	return update(ctx, s.base, clients, []byte(id), fn, nil)
}

// DeleteClient removes the client.
func (s *clientRecords) DeleteClient(ctx context.Context, id string) error {
	return remove(ctx, s.base, clients, []byte(id))
}

// CreateSigningKey stores a key pair (its private half already sealed).
func (s *clientRecords) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return create(ctx, s.base, signingKeys, k)
}

// ListSigningKeys returns every stored key in ID order, including keys
// past their ExpiresAt that Sweep has not deleted yet: the caller decides
// which to publish and which signs.
func (s *clientRecords) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	return list(ctx, s.base, signingKeys)
}

// UpdateSigningKey applies fn to the key (to retire it, for example).
func (s *clientRecords) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) error {
	return update(ctx, s.base, signingKeys, []byte(id), fn, nil)
}

// DeleteSigningKey removes the key.
func (s *clientRecords) DeleteSigningKey(ctx context.Context, id string) error {
	return remove(ctx, s.base, signingKeys, []byte(id))
}

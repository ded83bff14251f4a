package postgres

import (
	"context"

	"github.com/passerelle/passerelle/store"
)

// Tables of the kinds without side tables. doc.go describes the schema.
var (
	clients = table[store.Client]{noun: "client", name: "clients", key: "id",
		keyOf: func(c store.Client) any { return c.ID },
		vals:  func(store.Client) []any { return nil }}
	signingKeys = table[store.SigningKey]{noun: "signing key", name: "signing_keys", key: "id",
		keyOf: func(k store.SigningKey) any { return k.ID },
		cols:  []string{"expires_at"},
		vals:  func(k store.SigningKey) []any { return []any{expiry(k.ExpiresAt)} }}
)

// CreateClient stores a client registered at run time.
func (s *clientRecords) CreateClient(ctx context.Context, c store.Client) error {
	return clients.create(ctx, s.base, c)
}

// GetClient returns the client with this ID.
func (s *clientRecords) GetClient(ctx context.Context, id string) (store.Client, error) {
	return clients.get(ctx, s.base, id)
}

// ListClients returns every stored client in ID order.
func (s *clientRecords) ListClients(ctx context.Context) ([]store.Client, error) {
	return clients.list(ctx, s.base, "SELECT record FROM clients ORDER BY id")
}

// UpdateClient applies fn to the client; fn may not change its ID.
func (s *clientRecords) UpdateClient(ctx context.Context, id string, fn func(store.Client) (store.Client, error)) error {
	return clients.update(ctx, s.base, id, fn, nil)
}

// DeleteClient removes the client.
func (s *clientRecords) DeleteClient(ctx context.Context, id string) error {
	return clients.remove(ctx, s.base, id)
}

// CreateSigningKey stores a key pair (its private half already sealed).
func (s *clientRecords) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return signingKeys.create(ctx, s.base, k)
}

// ListSigningKeys returns every stored key in ID order, including keys
// past their ExpiresAt that Sweep has not deleted yet: the caller decides
// which to publish and which signs.
func (s *clientRecords) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	return signingKeys.list(ctx, s.base, "SELECT record FROM signing_keys ORDER BY id")
}

// UpdateSigningKey applies fn to the key (to retire it, for example).
func (s *clientRecords) UpdateSigningKey(ctx context.Context, id string, fn func(store.SigningKey) (store.SigningKey, error)) error {
	return signingKeys.update(ctx, s.base, id, fn, nil)
}

// DeleteSigningKey removes the key.
func (s *clientRecords) DeleteSigningKey(ctx context.Context, id string) error {
	return signingKeys.remove(ctx, s.base, id)
}

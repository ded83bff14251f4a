package admin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/passerelle/passerelle/store"
)

// KeyView is a signing key's metadata, without the key itself.
type KeyView struct {
	ID        string    `json:"kid"`
	Alg       string    `json:"alg"`
	CreatedAt time.Time `json:"created_at"` // published in JWKS from then
	ActiveAt  time.Time `json:"active_at"`  // signs from then
	RetiredAt time.Time `json:"retired_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // unpublished then
}

// errNoKeys answers key operations of a Service built without keys.
var errNoKeys = errors.New("admin: this Service was built without signing keys")

func keyViews(keys []store.SigningKey) []KeyView {
	out := make([]KeyView, 0, len(keys))
	for _, k := range keys {
		out = append(out, KeyView{ID: k.ID, Alg: k.Alg, CreatedAt: k.CreatedAt, ActiveAt: k.ActiveAt,
			RetiredAt: k.RetiredAt, ExpiresAt: k.ExpiresAt})
	}
	return out
}

// Keys lists every stored signing key, newest first.
func (s *Service) Keys(ctx context.Context) ([]KeyView, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	keys, err := s.keys.List(ctx)
	if err != nil {
		return nil, err
	}
	return keyViews(keys), nil
}

// RotateKeys publishes a new key per algorithm (see broker.Keys.Rotate)
// and returns the new keys.
func (s *Service) RotateKeys(ctx context.Context) ([]KeyView, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	created, err := s.keys.Rotate(ctx)
	if err != nil {
		return nil, err
	}
	kids := make([]string, 0, len(created))
	for _, k := range created {
		kids = append(kids, k.ID)
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.keys.rotate",
		Detail: map[string]string{"kids": strings.Join(kids, " ")}})
	return keyViews(created), nil
}

package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// Refresh tokens: a refresh token is its grant's ID, a dot and a random
// secret (newRefreshToken), as a code is its auth request's; the grant
// keeps the hash of the current one, and the store keeps every hash a
// grant issued, current or rotated away, until the retention sweep,
// found with the grant's ID (GetGrantByRefreshHash: bbolt lists them
// under the grant and no longer indexes a hash by itself, which cost a
// third of a rotation's pages). A grant is rotated in one store update
// read by its ID (rotate): the token's hash is compared, the client's
// checks run, and the new hash is written, all in that update, so a
// refresh reads nothing before its one write. A token that is not the
// current one is looked up under the grant it names only then: found, it
// is a rotated-away token presented again and the grant is revoked (RFC
// 6749 §10.4, OAuth 2.0 Security BCP §4.14.2); not found, it is a token
// Passerelle never issued for that grant (or long retired),
// invalid_grant, and nothing changes. A token issued before the grant's
// ID was part of it (no dot) is found by its hash alone
// (GetGrantByLegacyRefreshHash: the hashes stores indexed then), then
// rotated the same way, into the new form.

// newRefreshToken is a new refresh token of grant grantID.
func newRefreshToken(grantID string) string { return grantID + "." + randomSecret() }

// refreshGrantID is the grant a refresh token names, if it names one.
func refreshGrantID(token string) (string, bool) {
	id, secret, ok := strings.Cut(token, ".")
	return id, ok && isBase64URL(id, 1, 64) && isBase64URL(secret, 1, 64)
}

var (
	errGrantRevoked = errors.New("grant revoked")
	errRotatedAway  = errors.New("not the grant's current refresh token")
)

// refreshGrant checks token and rotates its grant: the request of a
// refresh grant whose new refresh token is stored, or an OAuth error
// (invalid_grant for a token that is not current; a rotated-away one
// revokes its grant). check refuses the request with the client's own
// error (the client, the scopes, the DPoP key), and then nothing is
// written.
func (s *opStorage) refreshGrant(ctx context.Context, token string, check func(*refreshRequest) error) (*refreshRequest, error) {
	hash := store.HashToken(token)
	grantID, ok := refreshGrantID(token)
	if !ok {
		r, err := s.TokenRequestByRefreshToken(ctx, token)
		if err != nil {
			return nil, err
		}
		grantID = r.(*refreshRequest).grant.ID
	}
	r, err := s.rotate(ctx, grantID, hash, check)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidRefresh()
	case errors.Is(err, errGrantRevoked):
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token has been revoked")
	case !errors.Is(err, errRotatedAway):
		var oe *oidc.Error
		if errors.As(err, &oe) {
			return nil, err // check's
		}
		return nil, oidc.ErrServerError().WithParent(unavailable(err))
	}
	g, err := s.st.GetGrantByRefreshHash(ctx, grantID, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidRefresh()
	case err != nil:
		return nil, oidc.ErrServerError().WithParent(unavailable(err))
	}
	return nil, s.reused(ctx, g)
}

// reused revokes grant g, one of whose rotated-away refresh tokens came
// back, and says so to the client.
func (s *opStorage) reused(ctx context.Context, g store.Grant) error {
	s.revokeGrant(ctx, g.ID)
	s.log.WarnContext(ctx, "rotated refresh token presented again; grant revoked", "grant", g.ID, "client_id", g.ClientID)
	return oidc.ErrInvalidGrant().WithDescription("refresh token reused; the grant is revoked")
}

// invalidRefresh is the answer to a refresh token that names no current
// grant. A new error each time: the library's With... methods change the
// error they are called on, so a shared one would be a data race.
func invalidRefresh() error {
	return oidc.ErrInvalidGrant().WithDescription("the refresh token is invalid or expired")
}

// rotate gives grant grantID a new refresh token in one update, if the
// one whose hash is hash is its current one and check accepts the
// request (which may narrow its scopes, RFC 6749 §6).
func (s *opStorage) rotate(ctx context.Context, grantID string, hash []byte, check func(*refreshRequest) error) (*refreshRequest, error) {
	var out *refreshRequest
	next := newRefreshToken(grantID)
	err := s.st.UpdateGrant(ctx, grantID, func(g store.Grant) (store.Grant, error) {
		if g.Revoked {
			return g, errGrantRevoked
		}
		if subtle.ConstantTimeCompare(g.RefreshHash, hash) != 1 {
			return g, errRotatedAway
		}
		r := &refreshRequest{grant: g, hash: hash, scopes: g.Scopes}
		if err := check(r); err != nil {
			return g, err
		}
		g.RefreshHash = store.HashToken(next)
		g.Scopes = r.scopes
		r.grant, r.next = g, next
		out = r
		return g, nil
	})
	return out, err
}

// grantOfRefresh finds the grant that issued a refresh token, current or
// rotated away, and the token's hash: through the grant the token names,
// or by the hash alone for a token issued before tokens named their
// grant.
func (s *opStorage) grantOfRefresh(ctx context.Context, token string) (store.Grant, []byte, error) {
	hash := store.HashToken(token)
	if id, ok := refreshGrantID(token); ok {
		g, err := s.st.GetGrantByRefreshHash(ctx, id, hash)
		return g, hash, err
	}
	g, err := s.st.GetGrantByLegacyRefreshHash(ctx, hash)
	return g, hash, err
}

// TokenRequestByRefreshToken finds the grant of a refresh token
// (grantOfRefresh): the library's way, which refreshGrant takes for a
// token that does not name its grant. A rotated-away token revokes the
// grant.
func (s *opStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	g, hash, err := s.grantOfRefresh(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidRefresh()
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(unavailable(err))
	}
	if g.Revoked {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token has been revoked")
	}
	if string(g.RefreshHash) != string(hash) {
		return nil, s.reused(ctx, g)
	}
	return &refreshRequest{grant: g, hash: hash, scopes: g.Scopes}, nil
}

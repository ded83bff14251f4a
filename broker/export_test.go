package broker

import (
	"context"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// DeliverLogouts attempts the back-channel logout deliveries due now on
// the broker's clock and returns how many are still pending: the tests'
// trigger, in place of RunLogoutDelivery's timer.
func (b *Broker) DeliverLogouts(ctx context.Context) int { return b.backchannel.deliverDue(ctx) }

// StoredClientsTTL is how stale the broker's copy of the stored clients
// may be.
const StoredClientsTTL = storedClientsTTL

// IDTokens are two ID tokens for the pending code of clientID, or else
// its live refreshToken, both for the access token accessToken: the one
// zitadel/oidc's op.CreateIDToken makes over the broker's storage, and
// the one the token endpoint makes (idToken).
func (b *Broker) IDTokens(ctx context.Context, clientID, code, refreshToken, accessToken string) (library, passerelle string, err error) {
	srv := b.edge.srv
	ctx = op.ContextWithIssuer(ctx, srv.storage.issuer)
	c, err := srv.clients().get(ctx, clientID)
	if err != nil {
		return "", "", err
	}
	var req op.IDTokenRequest
	if code != "" {
		req, err = op.AuthRequestByCode(ctx, srv.storage, code)
	} else {
		req, err = op.RefreshTokenRequestByRefreshToken(ctx, srv.storage, refreshToken)
	}
	if err != nil {
		return "", "", err
	}
	storage := srv.storage.signingAs(c.IDTokenAlg)
	if library, err = op.CreateIDToken(ctx, srv.storage.issuer, req, c.IDTokenLifetime(), accessToken, code, storage, c); err != nil {
		return "", "", err
	}
	passerelle, err = storage.idToken(ctx, req, c, accessToken, code)
	return library, passerelle, err
}

// SessionKey is the store key of the session a cookie value names.
func SessionKey(cookie string) []byte { return sessionKey(cookie) }

package broker

import (
	"context"
	"encoding/json"

	"github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// tokenResponse answers the code and refresh grants: the access token
// (and refresh token) as op.CreateTokenResponse makes them, and an ID
// token from idToken. The auth request of a code stays until it expires
// (DeleteAuthRequest).
func (s *opServer) tokenResponse(ctx context.Context, req op.IDTokenRequest, c *client, code, refreshToken string) (*oidc.AccessTokenResponse, error) {
	storage := s.storage.signingAs(c.IDTokenAlg)
	creator := tokenCreator{storage: storage, crypto: s.provider.Crypto()}
	accessToken, newRefreshToken, validity, err := op.CreateAccessToken(ctx, req, c.AccessTokenType(), creator, c, refreshToken)
	if err != nil {
		return nil, err
	}
	idToken, err := storage.idToken(ctx, req, c, accessToken, code)
	if err != nil {
		return nil, err
	}
	return &oidc.AccessTokenResponse{AccessToken: accessToken, IDToken: idToken, RefreshToken: newRefreshToken,
		TokenType: oidc.BearerToken, ExpiresIn: uint64(validity.Seconds()), Scope: req.GetScopes()}, nil
}

// idTokenClaimSet are the claims of an ID token, encoded once. They are
// those op.CreateIDToken gives, under the same omission rules:
// the registered claims (OIDC Core §2), the held claims SetUserinfoFromRequest
// sets, and its other claims (sid, acr of a refresh, idp, the
// organization's and the steps' claims). The library lets a registered
// claim win over another of the same name; only acr can be both here
// (the configuration refuses a step's or an organization's claim named
// like a claim Passerelle gives), so acr is taken into the struct.
type idTokenClaimSet struct {
	Issuer   string    `json:"iss,omitempty"`
	Subject  string    `json:"sub,omitempty"`
	Audience []string  `json:"aud,omitempty"`
	Expires  oidc.Time `json:"exp,omitempty"`
	IssuedAt oidc.Time `json:"iat,omitempty"`
	AuthTime oidc.Time `json:"auth_time,omitempty"`
	Nonce    string    `json:"nonce,omitempty"`
	ACR      string    `json:"acr,omitempty"`
	AMR      []string  `json:"amr,omitempty"`
	AZP      string    `json:"azp,omitempty"`
	ClientID string    `json:"client_id,omitempty"`
	AtHash   string    `json:"at_hash,omitempty"`
	CodeHash string    `json:"c_hash,omitempty"`
	oidc.UserInfoProfile
	oidc.UserInfoEmail
	oidc.UserInfoPhone
	Address *oidc.UserInfoAddress `json:"address,omitempty"`
	other   map[string]any
}

// payload is the claims as one JSON object: the fields, then the other
// claims in name order.
func (t *idTokenClaimSet) payload() ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return appendClaims(b, t.other)
}

// idToken is the signed ID token of req for client c, as op.CreateIDToken
// makes it with the same key, algorithm and kid, its claims encoded once
// and signed by the key's signer built when the key was loaded. Its times
// are the broker's clock's, as every other time the broker gives.
func (s *opStorage) idToken(ctx context.Context, req op.IDTokenRequest, c *client, accessToken, code string) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	now, skew := s.now(), c.ClockSkew()
	t := idTokenClaimSet{Issuer: op.IssuerFromContext(ctx), Subject: req.GetSubject(),
		Audience: oidc.AppendClientIDToAudience(req.GetClientID(), req.GetAudience()),
		Expires:  oidc.FromTime(now.UTC().Add(skew).Add(c.IDTokenLifetime())), IssuedAt: oidc.FromTime(now.Add(-skew)),
		AuthTime: oidc.FromTime(req.GetAuthTime().Add(-skew)), AMR: req.GetAMR(),
		AZP: req.GetClientID(), ClientID: req.GetClientID()}
	if ar, ok := req.(op.AuthRequest); ok {
		t.ACR, t.Nonce = ar.GetACR(), ar.GetNonce()
	}
	// Both grants issue an access token: at_hash is always there, and
	// the claims of profile, email, address and phone are userinfo's.
	// The library asks for the claims only when another scope remains.
	if t.AtHash, err = oidc.ClaimHash(accessToken, key.SignatureAlgorithm()); err != nil {
		return "", err
	}
	if hasNonUserinfoScope(req.GetScopes()) {
		ui := new(oidc.UserInfo)
		if err := s.SetUserinfoFromRequest(ctx, ui, req, nil); err != nil {
			return "", err
		}
		t.Subject, t.UserInfoProfile, t.UserInfoEmail, t.UserInfoPhone, t.Address = ui.Subject, ui.UserInfoProfile,
			ui.UserInfoEmail, ui.UserInfoPhone, ui.Address
		t.other = ui.Claims
		if acr, ok := t.other["acr"].(string); ok {
			if t.ACR == "" {
				t.ACR = acr
			}
			delete(t.other, "acr")
		}
	}
	if code != "" {
		if t.CodeHash, err = oidc.ClaimHash(code, key.SignatureAlgorithm()); err != nil {
			return "", err
		}
	}
	payload, err := t.payload()
	if err != nil {
		return "", err
	}
	return crypto.SignPayload(payload, key.jose())
}

// hasNonUserinfoScope reports whether scopes holds a scope other than
// profile, email, address and phone.
func hasNonUserinfoScope(scopes []string) bool {
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeAddress, oidc.ScopePhone:
		default:
			return true
		}
	}
	return false
}

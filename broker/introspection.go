package broker

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/passerelle/passerelle/store"
)

// Introspect answers RFC 7662 for any authenticated confidential client
// (resource servers introspect with their own credentials, as in
// Keycloak); an expired, revoked or unknown token is simply inactive, but
// a store failure is an error. The answer is encoded here, once
// (introspection.encode), never by the library's IntrospectionResponse.
func (s *opServer) Introspect(ctx context.Context, r *op.Request[op.IntrospectionRequest]) (*op.Response, error) {
	c, err := s.VerifyClient(ctx, &op.Request[op.ClientCredentials]{Method: r.Method, URL: r.URL, Header: r.Header,
		Form: r.Form, PostForm: r.PostForm, Data: r.Data.ClientCredentials})
	if err != nil {
		return nil, err
	}
	if c.AuthMethod() == oidc.AuthMethodNone {
		return nil, oidc.ErrInvalidClient().WithDescription("client must be authenticated")
	}
	// A token with dots goes to the library's decrypters (tokens sealed
	// before accessTokenCrypto), whose legacy AES-CFB does not
	// authenticate: a refresh token may open as garbage that looks like
	// an access token, so a token that is not an active access token is
	// then tried as a refresh token.
	resp := new(introspection)
	err = errInvalidToken
	if id, subject, ok := s.tokenOf(r.Data.Token); ok {
		err = s.storage.introspectAccess(ctx, resp, id, subject)
	}
	if err != nil && !isStoreDown(err) {
		resp = new(introspection)
		err = s.storage.introspectRefresh(ctx, resp, r.Data.Token, c.GetID())
	}
	if err != nil {
		if isStoreDown(err) {
			return nil, err
		}
		resp = new(introspection)
	}
	b, err := resp.encode()
	if err != nil {
		return nil, err
	}
	return op.NewResponse(b), nil
}

// SetIntrospectionFromToken is part of op.Storage but never called:
// opServer.Introspect, which replaces the library's, answers with
// introspectAccess and introspectRefresh.
func (s *opStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("broker: introspection is answered by opServer.Introspect")
}

// introspectAccess answers for an access token: active while it has not
// expired and its grant lives.
func (s *opStorage) introspectAccess(ctx context.Context, resp *introspection, tokenID, subject string) error {
	g, a, ref, err := s.activeGrant(ctx, tokenID)
	if err != nil {
		return err
	}
	if g.Subject != subject {
		return errors.New("token subject mismatch")
	}
	if err := s.introspectGrant(ctx, resp, g, a); err != nil {
		return err
	}
	resp.TokenType = oidc.BearerToken
	if ref.jkt != "" {
		resp.TokenType = "DPoP"
		resp.Confirmation = &confirmation{JKT: ref.jkt}
	}
	resp.Expiration = oidc.FromTime(ref.exp)
	resp.IssuedAt = oidc.FromTime(ref.exp.Add(-s.tokens.AccessToken))
	return nil
}

// introspectRefresh answers RFC 7662 §2.2 for a refresh token: active,
// with its grant's metadata, when it is the grant's current refresh
// token, the grant lives, and the client asking is the one it was issued
// to (only that client ever presents it).
func (s *opStorage) introspectRefresh(ctx context.Context, resp *introspection, token, clientID string) error {
	g, hash, err := s.grantOfRefresh(ctx, token)
	if err != nil {
		return unavailable(err)
	}
	if g.Revoked || subtle.ConstantTimeCompare(g.RefreshHash, hash) != 1 || !s.now().Before(g.ExpiresAt) || g.ClientID != clientID {
		return errors.New("refresh token not active for this client")
	}
	a, err := s.st.GetAccount(ctx, g.AccountID)
	if err != nil {
		return unavailable(err)
	}
	if err := s.introspectGrant(ctx, resp, g, a); err != nil {
		return err
	}
	resp.Expiration = oidc.FromTime(g.ExpiresAt)
	if g.DPoPJKT != "" {
		resp.Confirmation = &confirmation{JKT: g.DPoPJKT}
	}
	return nil
}

// introspectGrant sets what every active token of grant g, whose account
// is a, shares: its metadata and the claims userinfo would answer.
func (s *opStorage) introspectGrant(ctx context.Context, resp *introspection, g store.Grant, a store.Account) error {
	ui := new(oidc.UserInfo)
	if err := s.fillClaims(ctx, ui, g, a); err != nil {
		return err
	}
	resp.Active = true
	resp.Scope = g.Scopes
	resp.ClientID = g.ClientID
	resp.AuthTime = oidc.FromTime(g.AuthTime)
	resp.Audience = []string{g.ClientID}
	resp.AMR = g.AMR
	resp.Issuer = s.issuer
	resp.Subject = ui.Subject
	resp.Name, resp.GivenName, resp.FamilyName, resp.Locale = ui.Name, ui.GivenName, ui.FamilyName, ui.Locale
	resp.Email, resp.EmailVerified = ui.Email, ui.EmailVerified
	resp.other = ui.Claims
	return nil
}

// introspection is an RFC 7662 answer (§2.2): the members the library's
// IntrospectionResponse would give from what introspectGrant sets, and
// the other claims (idp, the organization's and the steps' claims),
// merged as the library merges them: a member that is present wins over
// a claim of the same name. The library encoded the members, decoded
// them into a map with the claims and encoded the map again, a third of
// the introspection handler's CPU; this encodes the members once and
// appends the claims.
type introspection struct {
	Active        bool                     `json:"active"`
	Scope         oidc.SpaceDelimitedArray `json:"scope,omitempty"`
	ClientID      string                   `json:"client_id,omitempty"`
	TokenType     string                   `json:"token_type,omitempty"`
	Expiration    oidc.Time                `json:"exp,omitempty"`
	IssuedAt      oidc.Time                `json:"iat,omitempty"`
	AuthTime      oidc.Time                `json:"auth_time,omitempty"`
	Subject       string                   `json:"sub,omitempty"`
	Audience      []string                 `json:"aud,omitempty"`
	AMR           []string                 `json:"amr,omitempty"`
	Issuer        string                   `json:"iss,omitempty"`
	Name          string                   `json:"name,omitempty"`
	GivenName     string                   `json:"given_name,omitempty"`
	FamilyName    string                   `json:"family_name,omitempty"`
	Locale        *oidc.Locale             `json:"locale,omitempty"`
	Email         string                   `json:"email,omitempty"`
	EmailVerified oidc.Bool                `json:"email_verified,omitempty"`
	Confirmation  *confirmation            `json:"cnf,omitempty"` // RFC 9449 §6.2
	other         map[string]any
}

// confirmation is a bound token's key (RFC 7800 §3.1, RFC 9449 §6.1).
type confirmation struct {
	JKT string `json:"jkt"`
}

// members are the names of the members the answer's encoding holds.
func (t *introspection) members() map[string]bool {
	return map[string]bool{"active": true, "scope": len(t.Scope) > 0, "client_id": t.ClientID != "",
		"token_type": t.TokenType != "", "exp": t.Expiration != 0, "iat": t.IssuedAt != 0, "auth_time": t.AuthTime != 0,
		"sub": t.Subject != "", "aud": len(t.Audience) > 0, "amr": len(t.AMR) > 0, "iss": t.Issuer != "",
		"name": t.Name != "", "given_name": t.GivenName != "", "family_name": t.FamilyName != "",
		"locale": t.Locale != nil, "email": t.Email != "", "email_verified": bool(t.EmailVerified),
		"cnf": t.Confirmation != nil}
}

// encode is the answer as JSON, with a final newline as the library
// writes it.
func (t *introspection) encode() (encodedJSON, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	other := t.other
	if len(other) > 0 {
		present := t.members()
		other = make(map[string]any, len(t.other))
		for k, v := range t.other {
			if !present[k] {
				other[k] = v
			}
		}
	}
	if b, err = appendClaims(b, other); err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// appendClaims adds claims, in name order, to the JSON object b.
func appendClaims(b []byte, claims map[string]any) ([]byte, error) {
	if len(claims) == 0 {
		return b, nil
	}
	o, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), o[1:]...), nil
}

// encodedJSON is an answer already encoded, which answer writes as it is.
type encodedJSON []byte

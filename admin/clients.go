package admin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/mfa"
	"github.com/passerelle/passerelle/store"
)

// ErrNoSecret means the client authenticates without a secret (public,
// or private_key_jwt), so there is none to rotate. The HTTP API answers 409.
var ErrNoSecret = errors.New("admin: the client does not authenticate with a secret")

// ClientInput is a relying party as an administrator describes it. Field
// names follow the client entries of the configuration file (and RFC 7591
// metadata), so a validation problem's path, such as
// clients[0].redirect_uris[0], names the field to fix. The secret is never
// input: Passerelle generates it.
type ClientInput struct {
	ID                     string            `json:"id"`
	Name                   map[string]string `json:"name"` // "en" and "fr" are required
	RedirectURIs           []string          `json:"redirect_uris"`
	PostLogoutRedirectURIs []string          `json:"post_logout_redirect_uris"`
	// Public marks a client that cannot keep a secret: auth method none.
	Public bool `json:"public"`
	// AuthMethod: client_secret_basic (default), client_secret_post,
	// private_key_jwt (default when jwks or jwks_uri is set), or none.
	AuthMethod          string   `json:"token_endpoint_auth_method"`
	JWKS                string   `json:"jwks"`
	JWKSURI             string   `json:"jwks_uri"`
	SubjectType         string   `json:"subject_type"`
	SectorIdentifierURI string   `json:"sector_identifier_uri"`
	IDTokenAlg          string   `json:"id_token_signed_response_alg"`
	AllowedProviders    []string `json:"allowed_providers"`
	RevealProvider      bool     `json:"reveal_provider"`
	// UpstreamClaims: email, name, locale given by an upstream that the
	// client may receive when the provider releases them too (none when
	// empty).
	UpstreamClaims []string  `json:"upstream_claims"`
	MFA            ClientMFA `json:"mfa"`
}

// ClientMFA is broker.ClientMFA with JSON names: factors, every_sign_in,
// acr. The two convert to each other.
type ClientMFA struct {
	Factors     []string `json:"factors"`
	EverySignIn bool     `json:"every_sign_in"`
	ACR         string   `json:"acr"`
}

// ClientView is a relying party as the admin API shows it: never a
// secret nor its hash.
type ClientView struct {
	ID string `json:"id"`
	// Source is "config" (read-only) or "store".
	Source                 string            `json:"source"`
	Name                   map[string]string `json:"name"`
	RedirectURIs           []string          `json:"redirect_uris"`
	PostLogoutRedirectURIs []string          `json:"post_logout_redirect_uris,omitempty"`
	Public                 bool              `json:"public"`
	AuthMethod             string            `json:"token_endpoint_auth_method"`
	// HasSecret tells whether a secret is set, not what it is.
	HasSecret           bool      `json:"has_secret"`
	JWKS                string    `json:"jwks,omitempty"`
	JWKSURI             string    `json:"jwks_uri,omitempty"`
	SubjectType         string    `json:"subject_type"`
	SectorIdentifierURI string    `json:"sector_identifier_uri,omitempty"`
	IDTokenAlg          string    `json:"id_token_signed_response_alg"`
	AllowedProviders    []string  `json:"allowed_providers,omitempty"`
	RevealProvider      bool      `json:"reveal_provider"`
	UpstreamClaims      []string  `json:"upstream_claims,omitempty"`
	MFA                 ClientMFA `json:"mfa"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
}

// Sources of a ClientView.
const (
	SourceConfig = "config"
	SourceStore  = "store"
)

// NewClientView shows c, from source.
func NewClientView(c store.Client, source string) ClientView {
	return ClientView{
		ID: c.ID, Source: source, Name: c.Name, RedirectURIs: c.RedirectURIs,
		PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, Public: c.Public, AuthMethod: c.AuthMethod,
		HasSecret: len(c.SecretHash) > 0, JWKS: c.JWKS, JWKSURI: c.JWKSURI, SubjectType: c.SubjectType,
		SectorIdentifierURI: c.SectorIdentifierURI, IDTokenAlg: c.IDTokenAlg,
		AllowedProviders: c.AllowedProviders, RevealProvider: c.RevealProvider, UpstreamClaims: c.UpstreamClaims,
		MFA:       ClientMFA{Factors: c.MFAFactors, EverySignIn: c.MFAEverySignIn, ACR: c.DefaultACR},
		CreatedAt: c.CreatedAt,
	}
}

// problemPrefix is where the one client validated sits in the broker
// configuration built to validate it.
const problemPrefix = "clients[0]"

// usesSecret reports whether clients of method authenticate with a secret.
func usesSecret(method string) bool {
	return method == "client_secret_basic" || method == "client_secret_post"
}

// clientConfig turns in into a configured client, resolving the default
// auth method, and adds the problems the broker's rules cannot see.
func (in ClientInput) clientConfig(ps *validate.Problems) broker.ClientConfig {
	method := in.AuthMethod
	switch {
	case method != "":
		if in.Public && method != "none" {
			ps.Add(problemPrefix+".public", "a public client uses token_endpoint_auth_method none", method)
		}
	case in.Public:
		method = "none"
	case in.JWKS != "" || in.JWKSURI != "":
		method = "private_key_jwt"
	default:
		method = "client_secret_basic"
	}
	return broker.ClientConfig{
		ID: strings.TrimSpace(in.ID), Name: in.Name, RedirectURIs: in.RedirectURIs,
		PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, AuthMethod: method, JWKS: in.JWKS,
		JWKSURI: in.JWKSURI, SubjectType: in.SubjectType, SectorIdentifierURI: in.SectorIdentifierURI,
		IDTokenAlg: in.IDTokenAlg, AllowedProviders: in.AllowedProviders, RevealProvider: in.RevealProvider,
		UpstreamClaims: in.UpstreamClaims, MFA: broker.ClientMFA(in.MFA),
	}
}

// validated checks cc with the rules of the configuration file, adding to
// ps, and returns it in stored form; the error is a *validate.Error
// listing every problem of ps.
func (s *Service) validated(cc broker.ClientConfig, ps *validate.Problems) (store.Client, error) {
	bc := broker.Config{Clients: []broker.ClientConfig{cc}, MFA: mfa.Config{ACR: s.ladder}}
	bc.SetDefaults()
	bc.Validate(ps, s.providerIDs)
	if err := ps.Err(); err != nil {
		return store.Client{}, err
	}
	return bc.Clients[0].ToStore(s.now())
}

// AddClient validates in with the rules of the configuration file and
// stores it. Unless the client is public or uses private_key_jwt, it gets
// a new 256-bit secret, returned here once and stored only hashed.
func (s *Service) AddClient(ctx context.Context, in ClientInput) (store.Client, string, error) {
	var ps validate.Problems
	cc := in.clientConfig(&ps)
	if s.readOnly[cc.ID] {
		return store.Client{}, "", fmt.Errorf("%w: %q", ErrReadOnly, cc.ID)
	}
	var secret string
	if usesSecret(cc.AuthMethod) {
		secret = randid.Base64URL(32)
		cc.Secret = secret
	}
	sc, err := s.validated(cc, &ps)
	if err != nil {
		return store.Client{}, "", err
	}
	if err := s.st.CreateClient(ctx, sc); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.Client{}, "", fmt.Errorf("%w: %q", ErrExists, sc.ID)
		}
		return store.Client{}, "", err
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.add", ClientID: sc.ID})
	return sc, secret, nil
}

// UpdateClient replaces the description of stored client id with in,
// validated like AddClient. The secret is kept while the client still
// authenticates with one, and dropped when it no longer does. A client
// without a secret cannot switch to a secret method here: remove it and
// add it again. in.ID may be empty; an ID never changes.
func (s *Service) UpdateClient(ctx context.Context, id string, in ClientInput) (store.Client, error) {
	if s.readOnly[id] {
		return store.Client{}, fmt.Errorf("%w: %q", ErrReadOnly, id)
	}
	cur, err := s.st.GetClient(ctx, id)
	if err != nil {
		return store.Client{}, notFound(err, fmt.Sprintf("client %q", id))
	}
	var ps validate.Problems
	if in.ID != "" && in.ID != id {
		ps.Add(problemPrefix+".id", "must be the ID of the client updated, "+fmt.Sprintf("%q", id)+" (an ID never changes)", in.ID)
	}
	in.ID = id
	cc := in.clientConfig(&ps)
	if usesSecret(cc.AuthMethod) {
		if len(cur.SecretHash) == 0 {
			ps.Add(problemPrefix+".token_endpoint_auth_method",
				"needs a secret, and this client has none: remove the client and add it again", cc.AuthMethod)
			cur.SecretHash = make([]byte, 32) // stands in for the missing hash while validating
		}
		cc.SecretSHA256 = hex.EncodeToString(cur.SecretHash)
	}
	sc, err := s.validated(cc, &ps)
	if err != nil {
		return store.Client{}, err
	}
	err = s.st.UpdateClient(ctx, id, func(old store.Client) (store.Client, error) {
		sc.CreatedAt = old.CreatedAt
		sc.SecretHash = nil
		if usesSecret(sc.AuthMethod) {
			sc.SecretHash = old.SecretHash // a rotation since GetClient wins
		}
		return sc, nil
	})
	if err != nil {
		return store.Client{}, notFound(err, fmt.Sprintf("client %q", id))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.update", ClientID: id})
	return sc, nil
}

// RemoveClient deletes stored client id.
func (s *Service) RemoveClient(ctx context.Context, id string) error {
	if s.readOnly[id] {
		return fmt.Errorf("%w: %q", ErrReadOnly, id)
	}
	if err := s.st.DeleteClient(ctx, id); err != nil {
		return notFound(err, fmt.Sprintf("client %q", id))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.remove", ClientID: id})
	return nil
}

// RotateClientSecret gives stored client id a new 256-bit secret and
// returns it; the old secret stops working at once.
func (s *Service) RotateClientSecret(ctx context.Context, id string) (string, error) {
	if s.readOnly[id] {
		return "", fmt.Errorf("%w: %q", ErrReadOnly, id)
	}
	secret := randid.Base64URL(32)
	err := s.st.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		if !usesSecret(c.AuthMethod) {
			return c, fmt.Errorf("%w: %q uses %s", ErrNoSecret, id, c.AuthMethod)
		}
		c.SecretHash = store.HashToken(secret)
		return c, nil
	})
	if err != nil {
		return "", notFound(err, fmt.Sprintf("client %q", id))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.rotate_secret", ClientID: id})
	return secret, nil
}

// ListClients returns the clients of the configuration file, in its
// order, then those of the store.
func (s *Service) ListClients(ctx context.Context) ([]ClientView, error) {
	stored, err := s.st.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ClientView, 0, len(s.config)+len(stored))
	for _, c := range s.config {
		sc, err := c.ToStore(time.Time{})
		if err != nil {
			return nil, err
		}
		out = append(out, NewClientView(sc, SourceConfig))
	}
	for _, c := range stored {
		out = append(out, NewClientView(c, SourceStore))
	}
	return out, nil
}

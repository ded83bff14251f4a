package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/broker/steps/organization"
	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/internal/validate"
	"github.com/passerelle/passerelle/store"
)

// ErrNoSecret means the client authenticates without a secret (public,
// or private_key_jwt), so there is none to rotate. The HTTP API answers 409.
var ErrNoSecret = errors.New("admin: the client does not authenticate with a secret")

// ClientView is a relying party as the admin API shows it: the one
// client model, store.Client (the configuration file's field names, RFC
// 7591 metadata), with where it comes from, and never a secret nor its
// hash. The admin API takes a store.Client as input; its secret is never
// input: Passerelle generates it.
type ClientView struct {
	store.Client
	// Source is "config" (read-only) or "store".
	Source string `json:"source"`
	// HasSecret tells whether a secret is set, not what it is.
	HasSecret bool `json:"has_secret"`
}

// Sources of a ClientView.
const (
	SourceConfig = "config"
	SourceStore  = "store"
)

// NewClientView shows c, from source.
func NewClientView(c store.Client, source string) ClientView {
	v := ClientView{Client: c, Source: source, HasSecret: len(c.SecretHash) > 0}
	v.SecretHash, v.Secret, v.SecretSHA256 = nil, "", ""
	return v
}

// problemPrefix is the path of the one client validated, as in the
// configuration file.
const problemPrefix = "clients[0]"

// input is in as an administrator may give it: no secret (Passerelle
// generates it), no creation time, and client_secret_basic unless the
// client is public or has keys. Problems the configuration file's rules
// cannot see are added to ps.
func input(in store.Client, ps *validate.Problems) store.Client {
	if len(in.SecretHash) > 0 {
		ps.Add(problemPrefix+".secret_hash", "is never input: Passerelle generates the secret", validate.Secret)
	}
	for i, step := range in.Steps {
		// The other steps' settings (terms of use files, legacy and
		// record settings) live in the operator's configuration file.
		if step != organization.Name {
			ps.Add(fmt.Sprintf("%s.steps[%d]", problemPrefix, i), "is set only in the configuration file; the admin API gives only the "+organization.Name+" step", step)
		}
	}
	c := in
	c.ID = strings.TrimSpace(c.ID)
	c.SecretHash, c.Secret, c.SecretSHA256, c.CreatedAt = nil, "", "", time.Time{}
	if c.AuthMethod == "" && !c.Public && c.JWKS == "" && c.JWKSURI == "" {
		c.AuthMethod = store.AuthSecretBasic
	}
	return c
}

// validated checks c with the rules of the configuration file, its
// steps' settings included, adding to ps; the error is a
// *validate.Error listing every problem of ps.
func (s *Service) validated(c *store.Client, ps *validate.Problems) error {
	c.Validate(ps, problemPrefix, s.rules)
	(&broker.ClientConfig{Client: *c}).ValidateSteps(ps, problemPrefix)
	return ps.Err()
}

// AddClient validates in with the rules of the configuration file and
// stores it. Unless the client is public or uses private_key_jwt, it gets
// a new 256-bit secret, returned here once and stored only hashed.
func (s *Service) AddClient(ctx context.Context, in store.Client) (store.Client, string, error) {
	var ps validate.Problems
	c := input(in, &ps)
	if s.readOnly[c.ID] {
		return store.Client{}, "", fmt.Errorf("%w: %q", ErrReadOnly, c.ID)
	}
	var secret string
	if c.UsesSecret() {
		secret = randid.Base64URL(32)
		c.Secret = secret
	}
	if err := s.validated(&c, &ps); err != nil {
		return store.Client{}, "", err
	}
	if err := c.HashSecret(); err != nil {
		return store.Client{}, "", err
	}
	c.CreatedAt = s.now()
	defer s.clientsChanged()
	if err := s.st.CreateClient(ctx, c); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.Client{}, "", fmt.Errorf("%w: %q", ErrExists, c.ID)
		}
		return store.Client{}, "", err
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.add", ClientID: c.ID})
	return c, secret, nil
}

// UpdateClient replaces the description of stored client id with in,
// validated like AddClient. The secret is kept while the client still
// authenticates with one, and dropped when it no longer does. A client
// without a secret cannot switch to a secret method here: remove it and
// add it again. in.ID may be empty; an ID never changes.
func (s *Service) UpdateClient(ctx context.Context, id string, in store.Client) (store.Client, error) {
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
	c := input(in, &ps)
	if c.UsesSecret() {
		c.SecretHash = cur.SecretHash
		if len(cur.SecretHash) == 0 {
			ps.Add(problemPrefix+".token_endpoint_auth_method",
				"needs a secret, and this client has none: remove the client and add it again", c.AuthMethod)
			c.SecretHash = make([]byte, 32) // stands in for the missing hash while validating
		}
	}
	if err := s.validated(&c, &ps); err != nil {
		return store.Client{}, err
	}
	defer s.clientsChanged()
	err = s.st.UpdateClient(ctx, id, func(old store.Client) (store.Client, error) {
		c.CreatedAt = old.CreatedAt
		c.SecretHash = nil
		if c.UsesSecret() {
			c.SecretHash = old.SecretHash // a rotation since GetClient wins
		}
		return c, nil
	})
	if err != nil {
		return store.Client{}, notFound(err, fmt.Sprintf("client %q", id))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.client.update", ClientID: id})
	return c, nil
}

// RemoveClient deletes stored client id.
func (s *Service) RemoveClient(ctx context.Context, id string) error {
	if s.readOnly[id] {
		return fmt.Errorf("%w: %q", ErrReadOnly, id)
	}
	defer s.clientsChanged()
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
	defer s.clientsChanged()
	err := s.st.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) {
		if !c.UsesSecret() {
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
		sc := c.Client
		if err := sc.HashSecret(); err != nil {
			return nil, err
		}
		out = append(out, NewClientView(sc, SourceConfig))
	}
	for _, c := range stored {
		out = append(out, NewClientView(c, SourceStore))
	}
	return out, nil
}

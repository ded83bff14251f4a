package orgs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/store"
)

// Refusals. Each has its own message for the person (broker/ui/messages).
var (
	ErrNoOrganizations = errors.New("orgs: the client has no organizations")
	ErrCodeUnknown     = errors.New("orgs: no such code")
	ErrCodeExpired     = errors.New("orgs: the code has expired")
	ErrCodeUsed        = errors.New("orgs: the code was used already")
	ErrCodeRevoked     = errors.New("orgs: the code was revoked")
	ErrNotAllowed      = errors.New("orgs: the role table does not allow it")
	ErrNotMember       = errors.New("orgs: not a member")
	ErrAlreadyMember   = errors.New("orgs: already a member")
	ErrOwnerStays      = errors.New("orgs: the owner must transfer ownership first")
	ErrInactive        = errors.New("orgs: the organization is not active")
	ErrNotPending      = errors.New("orgs: the organization does not await activation")
	ErrNoTransfer      = errors.New("orgs: no transfer of ownership is waiting for this person")
	ErrTooMany         = errors.New("orgs: too many members or pending invitations")
	ErrBadRole         = errors.New("orgs: no such role")
)

// Refusal reports whether err is one of the rules' refusals (the person
// is told which) rather than a fault of the store.
func Refusal(err error) bool {
	for _, r := range []error{ErrNoOrganizations, ErrCodeUnknown, ErrCodeExpired, ErrCodeUsed, ErrCodeRevoked, ErrNotAllowed,
		ErrNotMember, ErrAlreadyMember, ErrOwnerStays, ErrInactive, ErrNotPending, ErrNoTransfer, ErrTooMany, ErrBadRole,
		ErrNumberUnknown} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// Store is the part of the store the rules use.
type Store interface {
	store.Organizations
	GetAccountByURN(ctx context.Context, urn string) (store.Account, error)
	GetClient(ctx context.Context, id string) (store.Client, error)
	// Hit counts an account's letter requests (MaxLetterRequests).
	Hit(ctx context.Context, key string, window time.Duration) (int, error)
}

// AuditFunc appends an event to the audit log (the broker's, or the
// CLI's); detail names the organization and what changed, never a code.
type AuditFunc func(ctx context.Context, kind, accountID, clientID, outcome string, detail map[string]string)

// Service applies a client's role table to its organizations.
type Service struct {
	st    Store
	of    func(clientID string) (*Config, bool)
	now   func() time.Time
	audit AuditFunc
}

// New returns the rules over st; of gives each configured client's
// organizations (the current configuration, so a reload applies at
// once), and a client the configuration lacks has those of its record in
// st (added through the admin API).
func New(st Store, of func(clientID string) (*Config, bool), now func() time.Time, audit AuditFunc) *Service {
	return &Service{st: st, of: of, now: now, audit: audit}
}

// Actor is who acts: a person (Account) under the role table, or an
// administrator (Admin: the admin API or the CLI), whom the table does not
// bind.
type Actor struct {
	Account string
	Admin   bool
}

// by is the audit detail naming the actor.
func (a Actor) by() string {
	if a.Admin {
		return "admin"
	}
	return a.Account
}

// Config returns the client's organizations: the configuration's, else
// those of the client's record in the store.
func (s *Service) Config(ctx context.Context, clientID string) (*Config, error) {
	if cfg, ok := s.of(clientID); ok {
		return cfg, nil
	}
	c, err := s.st.GetClient(ctx, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNoOrganizations
	case err != nil:
		return nil, err
	case c.Organizations == nil:
		return nil, ErrNoOrganizations
	}
	c.Organizations.SetDefaults()
	return c.Organizations, nil
}

// Membership is one organization of a person with the role they hold.
type Membership struct {
	Org  store.Organization
	Role string
}

// Memberships lists the client's active organizations the account belongs
// to, with its role in each.
func (s *Service) Memberships(ctx context.Context, clientID, accountID string) ([]Membership, error) {
	cfg, err := s.Config(ctx, clientID)
	if err != nil {
		return nil, err
	}
	list, err := s.st.ListOrganizationsOf(ctx, clientID, accountID)
	if err != nil {
		return nil, err
	}
	var out []Membership
	for _, o := range list {
		if role := o.Role(accountID, cfg.Owner); role != "" && o.Status == store.OrgActive {
			out = append(out, Membership{Org: o, Role: role})
		}
	}
	return out, nil
}

// Create stores a new organization (administrators only).
func (s *Service) Create(ctx context.Context, clientID string, names map[string]string, number, status string) (store.Organization, error) {
	if _, err := s.Config(ctx, clientID); err != nil {
		return store.Organization{}, err
	}
	return s.create(ctx, clientID, names, number, status, "admin")
}

// create stores a new organization, by an administrator or from the
// client's register ("admin", "register").
func (s *Service) create(ctx context.Context, clientID string, names map[string]string, number, status, by string) (store.Organization, error) {
	if status == "" {
		status = store.OrgActive
	}
	now := s.now()
	o := store.Organization{ClientID: clientID, ID: randid.Hex(8), Names: names, ExternalNumber: strings.TrimSpace(number),
		Status: status, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateOrganization(ctx, o); err != nil {
		return o, err
	}
	s.audit(ctx, "org.create", "", clientID, "success", map[string]string{"org": o.ID, "by": by})
	return o, nil
}

// change runs edit on the organization under the client's table, in one
// store update, and audits kind with detail on success. edit sees the
// configuration and the actor's role; a person who is not a member, or
// whose organization is not active, is refused before it.
func (s *Service) change(ctx context.Context, clientID, orgID string, who Actor, kind string, detail map[string]string,
	edit func(cfg *Config, o *store.Organization, role string) error) (store.Organization, error) {
	return s.apply(ctx, clientID, orgID, who, kind, detail, true, edit)
}

// apply is change, with the membership check only when member is set:
// whoever joins or activates is not a member yet. edit may fill detail.
func (s *Service) apply(ctx context.Context, clientID, orgID string, who Actor, kind string, detail map[string]string, member bool,
	edit func(cfg *Config, o *store.Organization, role string) error) (store.Organization, error) {
	cfg, err := s.Config(ctx, clientID)
	if err != nil {
		return store.Organization{}, err
	}
	var out store.Organization
	err = s.st.UpdateOrganization(ctx, clientID, orgID, func(o store.Organization) (store.Organization, error) {
		role := o.Role(who.Account, cfg.Owner)
		if member && !who.Admin && role == "" {
			return o, ErrNotMember
		}
		if member && !who.Admin && o.Status != store.OrgActive {
			return o, ErrInactive
		}
		if err := edit(cfg, &o, role); err != nil {
			return o, err
		}
		o.UpdatedAt = s.now()
		prune(&o, o.UpdatedAt)
		out = o
		return o, nil
	})
	if err != nil {
		return out, err
	}
	d := map[string]string{"org": orgID, "by": who.by()}
	for k, v := range detail {
		d[k] = v
	}
	s.audit(ctx, kind, who.Account, clientID, "success", d)
	return out, nil
}

// keepFinished is how long used, revoked and expired invitations stay, so
// that whoever enters one is told which it is.
const keepFinished = 90 * 24 * time.Hour

// prune drops invitations finished longer than keepFinished ago, then the
// oldest finished ones while the record is at its bound, and an offer of
// ownership that has expired.
func prune(o *store.Organization, now time.Time) {
	finished := func(i store.Invitation) time.Time {
		switch {
		case !i.UsedAt.IsZero():
			return i.UsedAt
		case !i.RevokedAt.IsZero():
			return i.RevokedAt
		}
		return i.ExpiresAt
	}
	o.Invitations = slices.DeleteFunc(o.Invitations, func(i store.Invitation) bool {
		return !i.Pending(now) && now.Sub(finished(i)) > keepFinished
	})
	for len(o.Invitations) >= store.MaxOrgInvitations {
		oldest := -1
		for k, i := range o.Invitations {
			if !i.Pending(now) && (oldest < 0 || finished(i).Before(finished(o.Invitations[oldest]))) {
				oldest = k
			}
		}
		if oldest < 0 {
			break
		}
		o.Invitations = slices.Delete(o.Invitations, oldest, oldest+1)
	}
	if o.Transfer != nil && !now.Before(o.Transfer.ExpiresAt) {
		o.Transfer = nil
	}
}

// memberAt is the index of account in o.Members, or -1.
func memberAt(o *store.Organization, account string) int {
	return slices.IndexFunc(o.Members, func(m store.Member) bool { return m.AccountID == account })
}

// knownRole refuses a role the table lacks.
func knownRole(cfg *Config, role string) error {
	if _, ok := cfg.RoleRow(role); !ok {
		return fmt.Errorf("%w: %q", ErrBadRole, role)
	}
	return nil
}

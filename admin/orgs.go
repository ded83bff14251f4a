package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/passerelle/passerelle/orgs"
	"github.com/passerelle/passerelle/store"
)

// Organizations. Administrators run the same operations as people do on
// their account pages, through the same rules (package orgs) with
// orgs.Actor{Admin: true}: the role table does not bind them, "exactly
// one owner" does. People are named by URN. A client has organizations
// when its clients[].organizations says so: in the configuration file,
// or in its record for a client added here (AddClient validates the
// table with the configuration file's rules).

// OrgView is what an administrator sees of an organization: no code.
type OrgView struct {
	ID             string            `json:"id"`
	Names          map[string]string `json:"names"`
	ExternalNumber string            `json:"external_number,omitempty"`
	Status         string            `json:"status"`
	Owner          string            `json:"owner,omitempty"` // URN
	Members        []MemberView      `json:"members"`
	Invitations    []InvitationView  `json:"invitations"`
	// Letters are its activation letters under way, oldest first.
	Letters []LetterView `json:"letters,omitempty"`
}

// MemberView is one member, by URN.
type MemberView struct {
	URN   string    `json:"urn"`
	Role  string    `json:"role"`
	Since time.Time `json:"since"`
}

// LetterView is one activation letter: when it was asked for, and when
// the one mailed expires (zero until the letter is exported). No code.
type LetterView struct {
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

// InvitationView is one pending invitation.
type InvitationView struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewOrg is what creating an organization takes.
type NewOrg struct {
	Names          map[string]string `json:"names"`
	ExternalNumber string            `json:"external_number"`
	Status         string            `json:"status"` // active (default) or pending: awaiting activation
}

// orgRules are the organizations' rules over the store, with the
// configured clients' tables; their audit events carry actor "admin".
func (s *Service) orgRules() *orgs.Service {
	of := func(clientID string) (*orgs.Config, bool) {
		for _, c := range s.config {
			if c.ID == clientID && c.Organizations != nil {
				return c.Organizations, true
			}
		}
		return nil, false
	}
	return orgs.New(s.st, of, s.now, func(ctx context.Context, kind, accountID, clientID, outcome string, d map[string]string) {
		s.audit(ctx, store.AuditEvent{Kind: "admin." + kind, AccountID: accountID, ClientID: clientID, Detail: d})
	})
}

// admin is the actor of every operation here.
var admin = orgs.Actor{Admin: true}

// CreateOrg stores a new organization of the client.
func (s *Service) CreateOrg(ctx context.Context, clientID string, in NewOrg) (OrgView, error) {
	for _, lang := range []string{"en", "fr"} {
		if strings.TrimSpace(in.Names[lang]) == "" {
			return OrgView{}, badRequest("names.%s is required (every name exists in English and French)", lang)
		}
	}
	if in.Status != "" && in.Status != store.OrgActive && in.Status != store.OrgPending {
		return OrgView{}, badRequest("status must be %s or %s, not %q", store.OrgActive, store.OrgPending, in.Status)
	}
	o, err := s.orgRules().Create(ctx, clientID, in.Names, in.ExternalNumber, in.Status)
	if errors.Is(err, store.ErrAlreadyExists) {
		return OrgView{}, fmt.Errorf("%w: client %s has an organization with external number %q", ErrExists, clientID, in.ExternalNumber)
	}
	if err != nil {
		return OrgView{}, orgError(err)
	}
	return s.orgView(ctx, o)
}

// Orgs lists the client's organizations.
func (s *Service) Orgs(ctx context.Context, clientID string) ([]OrgView, error) {
	if _, err := s.orgRules().Config(ctx, clientID); err != nil {
		return nil, orgError(err)
	}
	list, err := s.st.ListOrganizations(ctx, clientID)
	if err != nil {
		return nil, err
	}
	out := []OrgView{}
	for _, o := range list {
		v, err := s.orgView(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Org shows one organization of the client.
func (s *Service) Org(ctx context.Context, clientID, orgID string) (OrgView, error) {
	o, err := s.st.GetOrganization(ctx, clientID, orgID)
	if err != nil {
		return OrgView{}, notFound(err, fmt.Sprintf("client %s has no organization %q", clientID, orgID))
	}
	return s.orgView(ctx, o)
}

func (s *Service) orgView(ctx context.Context, o store.Organization) (OrgView, error) {
	urn := func(id string) (string, error) {
		a, err := s.st.GetAccount(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return "(deleted account)", nil
		}
		return a.URN, err
	}
	v := OrgView{ID: o.ID, Names: o.Names, ExternalNumber: o.ExternalNumber, Status: o.Status,
		Members: []MemberView{}, Invitations: []InvitationView{}}
	var err error
	if o.Owner != "" {
		if v.Owner, err = urn(o.Owner); err != nil {
			return v, err
		}
	}
	for _, m := range o.Members {
		u, err := urn(m.AccountID)
		if err != nil {
			return v, err
		}
		v.Members = append(v.Members, MemberView{URN: u, Role: m.Role, Since: m.Since})
	}
	for _, i := range o.Invitations {
		if i.Pending(s.now()) {
			v.Invitations = append(v.Invitations, InvitationView{ID: i.ID, Role: i.Role, ExpiresAt: i.ExpiresAt})
		}
	}
	for _, l := range o.Letters {
		v.Letters = append(v.Letters, LetterView{RequestedAt: l.RequestedAt, ExpiresAt: l.ExpiresAt})
	}
	return v, nil
}

// AddOrgMember makes the account with this URN a member with role (the
// owner role: the owner, when there is none yet).
func (s *Service) AddOrgMember(ctx context.Context, clientID, orgID, urn, role string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	return orgError(s.orgRules().AddMember(ctx, clientID, orgID, admin, a.ID, role))
}

// SetOrgRole gives a member another role.
func (s *Service) SetOrgRole(ctx context.Context, clientID, orgID, urn, role string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	return orgError(s.orgRules().ChangeRole(ctx, clientID, orgID, admin, a.ID, role))
}

// RemoveOrgMember ends a membership; the owner is removed by a transfer.
func (s *Service) RemoveOrgMember(ctx context.Context, clientID, orgID, urn string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	return orgError(s.orgRules().Remove(ctx, clientID, orgID, admin, a.ID))
}

// TransferOrg makes a member the owner at once.
func (s *Service) TransferOrg(ctx context.Context, clientID, orgID, urn string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	return orgError(s.orgRules().Transfer(ctx, clientID, orgID, admin, a.ID))
}

// SetOrgStatus suspends an organization or makes it active again.
func (s *Service) SetOrgStatus(ctx context.Context, clientID, orgID, status string) error {
	if status != store.OrgActive && status != store.OrgSuspended {
		return badRequest("status must be %s or %s, not %q", store.OrgActive, store.OrgSuspended, status)
	}
	return orgError(s.orgRules().SetStatus(ctx, clientID, orgID, admin, status))
}

// InviteToOrg creates an invitation code for role; the code is returned
// once.
func (s *Service) InviteToOrg(ctx context.Context, clientID, orgID, role string) (string, InvitationView, error) {
	code, inv, err := s.orgRules().Invite(ctx, clientID, orgID, admin, role)
	return code, InvitationView{ID: inv.ID, Role: inv.Role, ExpiresAt: inv.ExpiresAt}, orgError(err)
}

// RevokeInvitation ends a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, clientID, orgID, invitationID string) error {
	return orgError(s.orgRules().Revoke(ctx, clientID, orgID, admin, invitationID))
}

// Letters issues the activation codes asked for and returns the letters
// for the mail house: the codes in clear, this once.
func (s *Service) Letters(ctx context.Context, clientID string) ([]orgs.Letter, error) {
	l, err := s.orgRules().Letters(ctx, clientID)
	return l, orgError(err)
}

// VoidOrgLetters voids every activation letter of a pending organization
// (one reported stolen) and returns how many it voided.
func (s *Service) VoidOrgLetters(ctx context.Context, clientID, orgID string) (int, error) {
	n, err := s.orgRules().VoidLetters(ctx, clientID, orgID, admin)
	return n, orgError(err)
}

// ErrOrgRefused is a change the organizations' rules refuse (a second
// owner, removing the owner, a member twice); the HTTP API answers 409.
var ErrOrgRefused = errors.New("admin: refused")

// orgError maps the rules' refusals to the API's errors.
func orgError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, orgs.ErrNoOrganizations):
		return fmt.Errorf("%w: the client has no organizations (clients[].organizations)", ErrNotFound)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: no such organization", ErrNotFound)
	case errors.Is(err, orgs.ErrBadRole):
		return badRequest("%s", strings.TrimPrefix(err.Error(), "orgs: "))
	case errors.Is(err, orgs.ErrCodeUnknown):
		return fmt.Errorf("%w: no pending invitation with this ID", ErrNotFound)
	}
	for _, refusal := range []error{orgs.ErrNotAllowed, orgs.ErrNotMember, orgs.ErrAlreadyMember, orgs.ErrOwnerStays,
		orgs.ErrTooMany, orgs.ErrInactive, orgs.ErrNotPending} {
		if errors.Is(err, refusal) {
			return fmt.Errorf("%w: %s", ErrOrgRefused, strings.TrimPrefix(err.Error(), "orgs: "))
		}
	}
	return err
}

// The routes.

func (s *Service) apiOrgs(r *http.Request) (int, any, error) {
	list, err := s.Orgs(r.Context(), r.PathValue("client"))
	return http.StatusOK, map[string]any{"organizations": list}, err
}

func (s *Service) apiCreateOrg(r *http.Request) (int, any, error) {
	var in NewOrg
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := s.CreateOrg(r.Context(), r.PathValue("client"), in)
	return http.StatusCreated, map[string]any{"organization": v}, err
}

func (s *Service) apiOrg(r *http.Request) (int, any, error) {
	v, err := s.Org(r.Context(), r.PathValue("client"), r.PathValue("org"))
	return http.StatusOK, map[string]any{"organization": v}, err
}

// orgAfter answers a change with the organization as it now is.
func (s *Service) orgAfter(r *http.Request, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return s.apiOrg(r)
}

// memberIn is the body of the member routes.
type memberIn struct {
	URN  string `json:"urn"`
	Role string `json:"role"`
}

func (s *Service) apiAddOrgMember(r *http.Request) (int, any, error) {
	var in memberIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return s.orgAfter(r, s.AddOrgMember(r.Context(), r.PathValue("client"), r.PathValue("org"), in.URN, in.Role))
}

func (s *Service) apiSetOrgRole(r *http.Request) (int, any, error) {
	var in memberIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return s.orgAfter(r, s.SetOrgRole(r.Context(), r.PathValue("client"), r.PathValue("org"), r.PathValue("urn"), in.Role))
}

func (s *Service) apiRemoveOrgMember(r *http.Request) (int, any, error) {
	return s.orgAfter(r, s.RemoveOrgMember(r.Context(), r.PathValue("client"), r.PathValue("org"), r.PathValue("urn")))
}

func (s *Service) apiTransferOrg(r *http.Request) (int, any, error) {
	var in memberIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return s.orgAfter(r, s.TransferOrg(r.Context(), r.PathValue("client"), r.PathValue("org"), in.URN))
}

func (s *Service) apiSetOrgStatus(r *http.Request) (int, any, error) {
	var in struct {
		Status string `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return s.orgAfter(r, s.SetOrgStatus(r.Context(), r.PathValue("client"), r.PathValue("org"), in.Status))
}

func (s *Service) apiInviteToOrg(r *http.Request) (int, any, error) {
	var in memberIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	code, inv, err := s.InviteToOrg(r.Context(), r.PathValue("client"), r.PathValue("org"), in.Role)
	return http.StatusCreated, map[string]any{"invitation": inv, "code": code}, err
}

func (s *Service) apiRevokeInvitation(r *http.Request) (int, any, error) {
	return http.StatusNoContent, nil, s.RevokeInvitation(r.Context(), r.PathValue("client"), r.PathValue("org"), r.PathValue("id"))
}

func (s *Service) apiVoidOrgLetters(r *http.Request) (int, any, error) {
	n, err := s.VoidOrgLetters(r.Context(), r.PathValue("client"), r.PathValue("org"))
	return http.StatusOK, map[string]any{"voided": n}, err
}

func (s *Service) apiLetters(r *http.Request) (int, any, error) {
	letters, err := s.Letters(r.Context(), r.PathValue("client"))
	out := []map[string]any{}
	for _, l := range letters {
		out = append(out, map[string]any{"organization": l.OrgID, "external_number": l.Number, "names": l.Names,
			"code": l.Code, "expires_at": l.ExpiresAt})
	}
	return http.StatusOK, map[string]any{"letters": out}, err
}

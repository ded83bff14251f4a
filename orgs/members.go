package orgs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/passerelle/passerelle/internal/randid"
	"github.com/passerelle/passerelle/store"
)

// Invite creates a single-use code giving role, valid for the client's
// invitation_ttl; the code is returned once, and only its hash is kept.
func (s *Service) Invite(ctx context.Context, clientID, orgID string, who Actor, role string) (string, store.Invitation, error) {
	code := newCode()
	hash, _ := hashCode(code)
	var inv store.Invitation
	_, err := s.change(ctx, clientID, orgID, who, "org.invite", map[string]string{"role": role},
		func(cfg *Config, o *store.Organization, actor string) error {
			if err := knownRole(cfg, role); err != nil {
				return err
			}
			if role == cfg.Owner || (!who.Admin && !cfg.MayInvite(actor, role)) {
				return ErrNotAllowed
			}
			pending := 0
			for _, i := range o.Invitations {
				if i.Pending(s.now()) {
					pending++
				}
			}
			if pending >= store.MaxOrgInvitations-1 {
				return ErrTooMany
			}
			now := s.now()
			inv = store.Invitation{ID: randid.Hex(8), Role: role, Hash: hash, CreatedBy: who.by(), CreatedAt: now,
				ExpiresAt: now.Add(cfg.InvitationTTL)}
			o.Invitations = append(o.Invitations, inv)
			return nil
		})
	if err != nil {
		return "", store.Invitation{}, err
	}
	return code, inv, nil
}

// Revoke ends a pending invitation. Whoever may give its role may revoke
// it.
func (s *Service) Revoke(ctx context.Context, clientID, orgID string, who Actor, invitationID string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.invite.revoke", map[string]string{"invitation": invitationID},
		func(cfg *Config, o *store.Organization, actor string) error {
			k := slices.IndexFunc(o.Invitations, func(i store.Invitation) bool { return i.ID == invitationID })
			if k < 0 || !o.Invitations[k].Pending(s.now()) {
				return ErrCodeUnknown
			}
			if !who.Admin && !cfg.MayInvite(actor, o.Invitations[k].Role) {
				return ErrNotAllowed
			}
			o.Invitations[k].RevokedAt = s.now()
			return nil
		})
	return err
}

// Redeem makes account a member with the role of the invitation whose
// code it typed. A code that is not one (ErrCodeUnknown), or is expired,
// used or revoked, is refused and audited as a failure; the caller counts
// it toward the account's failures.
func (s *Service) Redeem(ctx context.Context, clientID, account, typed string) (store.Organization, error) {
	if _, err := s.Config(ctx, clientID); err != nil {
		return store.Organization{}, err
	}
	var o store.Organization
	var err error
	hash, ok := hashCode(typed)
	if ok {
		o, err = s.st.GetOrganizationByInvitation(ctx, clientID, hash)
	}
	if !ok || errors.Is(err, store.ErrNotFound) {
		err = ErrCodeUnknown
	}
	if err == nil {
		o, err = s.redeem(ctx, o, account, hash)
	}
	if err != nil {
		s.audit(ctx, "org.join", account, clientID, "failure", map[string]string{"org": o.ID, "reason": reason(err)})
	}
	return o, err
}

func (s *Service) redeem(ctx context.Context, found store.Organization, account string, hash []byte) (store.Organization, error) {
	detail := map[string]string{}
	return s.apply(ctx, found.ClientID, found.ID, Actor{Account: account}, "org.join", detail, false,
		func(_ *Config, o *store.Organization, current string) error {
			k := slices.IndexFunc(o.Invitations, func(i store.Invitation) bool { return bytes.Equal(i.Hash, hash) })
			now := s.now()
			switch {
			case k < 0:
				return ErrCodeUnknown
			case !o.Invitations[k].UsedAt.IsZero():
				return ErrCodeUsed
			case !o.Invitations[k].RevokedAt.IsZero():
				return ErrCodeRevoked
			case !now.Before(o.Invitations[k].ExpiresAt):
				return ErrCodeExpired
			case o.Status != store.OrgActive:
				return ErrInactive
			case current != "":
				return ErrAlreadyMember
			case len(o.Members) >= store.MaxOrgMembers:
				return ErrTooMany
			}
			inv := &o.Invitations[k]
			inv.UsedAt, inv.UsedBy = now, account
			o.Members = append(o.Members, store.Member{AccountID: account, Role: inv.Role, Since: now})
			detail["role"], detail["invitation"] = inv.Role, inv.ID
			return nil
		})
}

// reason names a refusal in the audit log.
func reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{{ErrCodeUnknown, "unknown"}, {ErrCodeExpired, "expired"}, {ErrCodeUsed, "used"}, {ErrCodeRevoked, "revoked"},
		{ErrAlreadyMember, "already_member"}, {ErrInactive, "inactive"}, {ErrTooMany, "too_many"}, {ErrNotAllowed, "not_allowed"},
		{ErrNumberUnknown, "unknown_number"}} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}

// AddMember makes account a member with role directly (administrators
// only: an institution's first manager).
func (s *Service) AddMember(ctx context.Context, clientID, orgID string, who Actor, account, role string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.member.add", map[string]string{"member": account, "role": role},
		func(cfg *Config, o *store.Organization, _ string) error {
			switch {
			case !who.Admin:
				return ErrNotAllowed
			case knownRole(cfg, role) != nil:
				return knownRole(cfg, role)
			case o.Role(account, cfg.Owner) != "":
				return ErrAlreadyMember
			case len(o.Members) >= store.MaxOrgMembers:
				return ErrTooMany
			case role == cfg.Owner && o.Owner != "":
				return ErrNotAllowed // one owner: ownership passes by transfer
			case role == cfg.Owner:
				o.Owner = account
			default:
				o.Members = append(o.Members, store.Member{AccountID: account, Role: role, Since: s.now()})
			}
			return nil
		})
	return err
}

// Remove ends a member's membership; the owner is never removed.
func (s *Service) Remove(ctx context.Context, clientID, orgID string, who Actor, account string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.member.remove", map[string]string{"member": account},
		func(cfg *Config, o *store.Organization, actor string) error {
			k := memberAt(o, account)
			switch {
			case o.Owner == account:
				return ErrOwnerStays
			case k < 0:
				return ErrNotMember
			case !who.Admin && (account == who.Account || !cfg.MayManage(actor, o.Members[k].Role)):
				return ErrNotAllowed
			}
			o.Members = slices.Delete(o.Members, k, k+1)
			return nil
		})
	return err
}

// Leave ends the actor's own membership; the owner transfers first.
func (s *Service) Leave(ctx context.Context, clientID, orgID string, who Actor) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.leave", nil, func(_ *Config, o *store.Organization, _ string) error {
		if o.Owner == who.Account {
			return ErrOwnerStays
		}
		k := memberAt(o, who.Account)
		if k < 0 {
			return ErrNotMember
		}
		o.Members = slices.Delete(o.Members, k, k+1)
		return nil
	})
	return err
}

// ChangeRole gives a member another role: the actor must manage the old
// one and be allowed to give the new one.
func (s *Service) ChangeRole(ctx context.Context, clientID, orgID string, who Actor, account, role string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.member.role", map[string]string{"member": account, "role": role},
		func(cfg *Config, o *store.Organization, actor string) error {
			if err := knownRole(cfg, role); err != nil {
				return err
			}
			k := memberAt(o, account)
			switch {
			case o.Owner == account || role == cfg.Owner:
				return ErrNotAllowed // ownership passes by transfer only
			case k < 0:
				return ErrNotMember
			case !who.Admin && (account == who.Account || !cfg.MayManage(actor, o.Members[k].Role) || !cfg.MayInvite(actor, role)):
				return ErrNotAllowed
			}
			o.Members[k].Role = role
			return nil
		})
	return err
}

// SetStatus suspends an organization or makes it active again
// (administrators only). Nobody signs in for a suspended organization;
// its members, invitations and owner are kept. A pending organization
// becomes active by its activation, or here.
func (s *Service) SetStatus(ctx context.Context, clientID, orgID string, who Actor, status string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.status", map[string]string{"status": status},
		func(_ *Config, o *store.Organization, _ string) error {
			switch {
			case !who.Admin:
				return ErrNotAllowed
			case status != store.OrgActive && status != store.OrgSuspended:
				return fmt.Errorf("%w: status %q (active or suspended)", ErrNotAllowed, status)
			}
			o.Status = status
			return nil
		})
	return err
}

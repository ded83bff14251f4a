package orgs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/store"
)

// Person names the member ownership is offered to, as the trusted-trader
// portal asks for it: family name, User Reference Number and email, all
// three matching the account.
type Person struct {
	FamilyName string
	URN        string
	Email      string
}

// OfferTransfer offers ownership to a member named by p (the owner only,
// or an administrator); it waits for their confirmation (AcceptTransfer)
// for the client's transfer_ttl. A new offer replaces the old.
func (s *Service) OfferTransfer(ctx context.Context, clientID, orgID string, who Actor, p Person) (store.Account, error) {
	acct, err := s.st.GetAccountByURN(ctx, strings.TrimSpace(p.URN))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return acct, ErrNotMember
	case err != nil:
		return acct, err
	case !strings.EqualFold(strings.TrimSpace(p.FamilyName), acct.FamilyName) ||
		!strings.EqualFold(strings.TrimSpace(p.Email), acct.Email):
		return acct, ErrNotMember // the three must match one person: say no more
	}
	_, err = s.change(ctx, clientID, orgID, who, "org.transfer.offer", map[string]string{"to": acct.ID},
		func(cfg *Config, o *store.Organization, actor string) error {
			switch {
			case cfg.Owner == "" || (!who.Admin && actor != cfg.Owner):
				return ErrNotAllowed
			case memberAt(o, acct.ID) < 0:
				return ErrNotMember
			}
			now := s.now()
			o.Transfer = &store.OwnershipTransfer{To: acct.ID, OfferedAt: now, ExpiresAt: now.Add(cfg.TransferTTL)}
			return nil
		})
	return acct, err
}

// AcceptTransfer makes the actor, to whom ownership was offered, the
// owner; the old owner takes the client's after_transfer role, or leaves.
func (s *Service) AcceptTransfer(ctx context.Context, clientID, orgID string, who Actor) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.transfer.accept", nil,
		func(cfg *Config, o *store.Organization, _ string) error {
			if o.Transfer == nil || o.Transfer.To != who.Account || !s.now().Before(o.Transfer.ExpiresAt) {
				return ErrNoTransfer
			}
			return handOver(cfg, o, who.Account, s.now())
		})
	return err
}

// DeclineTransfer withdraws an offer: the owner's, or its addressee's.
func (s *Service) DeclineTransfer(ctx context.Context, clientID, orgID string, who Actor) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.transfer.decline", nil,
		func(_ *Config, o *store.Organization, _ string) error {
			if o.Transfer == nil || (o.Transfer.To != who.Account && o.Owner != who.Account && !who.Admin) {
				return ErrNoTransfer
			}
			o.Transfer = nil
			return nil
		})
	return err
}

// handOver makes member to the owner, in one edit of the record: exactly
// one owner before, exactly one after.
func handOver(cfg *Config, o *store.Organization, to string, now time.Time) error {
	k := memberAt(o, to)
	if k < 0 {
		return ErrNotMember
	}
	old := o.Owner
	o.Members = slices.Delete(o.Members, k, k+1)
	o.Owner, o.Transfer = to, nil
	if old != "" && cfg.AfterTransfer != Leave {
		o.Members = append(o.Members, store.Member{AccountID: old, Role: cfg.AfterTransfer, Since: now})
	}
	return nil
}

// Transfer makes member to the owner at once (administrators only: the
// owner's account is gone, or the business asked the help desk).
func (s *Service) Transfer(ctx context.Context, clientID, orgID string, who Actor, to string) error {
	_, err := s.change(ctx, clientID, orgID, who, "org.transfer", map[string]string{"to": to},
		func(cfg *Config, o *store.Organization, _ string) error {
			if !who.Admin || cfg.Owner == "" {
				return ErrNotAllowed
			}
			return handOver(cfg, o, to, s.now())
		})
	return err
}

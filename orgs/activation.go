package orgs

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/passerelle/passerelle/store"
)

// Activation by mail (seed 002). The client's register holds its
// businesses (created pending, with their external numbers, by an
// administrator); a person asks for an activation code by number; the
// operator's export (Letters) makes the codes and hands them, in clear,
// to the mail house, keeping only their hashes; the person enters the
// number and the code and becomes the owner.

var (
	// ErrNumberUnknown: no organization of the client awaits activation
	// under this number.
	ErrNumberUnknown = errors.New("orgs: no organization awaits activation under this number")
	// ErrRequestPending: another person's request is under way; it is not
	// voided by a stranger's (who could otherwise void every letter).
	ErrRequestPending = errors.New("orgs: another person's activation code is under way")
)

// RequestActivation asks for an activation code for the organization
// with this external number. A new request by the same person voids the
// code issued before; another person's request waits until that code has
// expired (activation_ttl after it was requested).
func (s *Service) RequestActivation(ctx context.Context, clientID, account, number string) (store.Organization, error) {
	cfg, err := s.Config(clientID)
	if err != nil {
		return store.Organization{}, err
	}
	if !cfg.Activation {
		return store.Organization{}, ErrNotAllowed
	}
	o, err := s.awaiting(ctx, clientID, number)
	if err != nil {
		s.audit(ctx, "org.activation.request", account, clientID, "failure", map[string]string{"reason": "unknown_number"})
		return o, err
	}
	return s.apply(ctx, clientID, o.ID, Actor{Account: account}, "org.activation.request", nil, false,
		func(cfg *Config, o *store.Organization, _ string) error {
			now := s.now()
			if o.Status != store.OrgPending || o.Owner != "" {
				return ErrNumberUnknown
			}
			if a := o.Activation; a != nil && a.RequestedBy != account && now.Before(a.RequestedAt.Add(cfg.ActivationTTL)) {
				return ErrRequestPending
			}
			o.Activation = &store.ActivationCode{RequestedBy: account, RequestedAt: now}
			return nil
		})
}

// awaiting finds the client's organization by number.
func (s *Service) awaiting(ctx context.Context, clientID, number string) (store.Organization, error) {
	number = strings.TrimSpace(number)
	if number == "" {
		return store.Organization{}, ErrNumberUnknown
	}
	o, err := s.st.GetOrganizationByNumber(ctx, clientID, number)
	if errors.Is(err, store.ErrNotFound) {
		return o, ErrNumberUnknown
	}
	return o, err
}

// Letter is one activation letter for the mail house.
type Letter struct {
	OrgID     string
	Number    string
	Names     map[string]string
	Code      string
	ExpiresAt time.Time
}

// Letters makes the code of every request not yet issued, stores its
// hash and returns the letters (the codes in clear, here only): the
// operator's export. A request is issued once; a lost letter is asked for
// again.
func (s *Service) Letters(ctx context.Context, clientID string) ([]Letter, error) {
	if _, err := s.Config(clientID); err != nil {
		return nil, err
	}
	list, err := s.st.ListOrganizations(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var out []Letter
	for _, o := range list {
		if o.Activation == nil || len(o.Activation.Hash) > 0 {
			continue
		}
		code := newCode()
		hash, _ := hashCode(code)
		var l Letter
		_, err := s.apply(ctx, clientID, o.ID, Actor{Admin: true}, "org.activation.letter", nil, false,
			func(cfg *Config, o *store.Organization, _ string) error {
				a := o.Activation
				if a == nil || len(a.Hash) > 0 {
					return errSkip
				}
				now := s.now()
				a.Hash, a.IssuedAt, a.ExpiresAt = hash, now, now.Add(cfg.ActivationTTL)
				l = Letter{OrgID: o.ID, Number: o.ExternalNumber, Names: o.Names, Code: code, ExpiresAt: a.ExpiresAt}
				return nil
			})
		switch {
		case errors.Is(err, errSkip):
		case err != nil:
			return out, err
		default:
			out = append(out, l)
		}
	}
	return out, nil
}

// errSkip: a request issued meanwhile by another export.
var errSkip = errors.New("orgs: issued meanwhile")

// Activate makes account the owner of the organization with this number,
// given the code mailed for it. Refusals are audited; the caller counts
// them toward the account's failures.
func (s *Service) Activate(ctx context.Context, clientID, account, number, typed string) (store.Organization, error) {
	o, err := s.awaiting(ctx, clientID, number)
	hash, ok := hashCode(typed)
	if err == nil && !ok {
		err = ErrCodeUnknown
	}
	if err == nil {
		o, err = s.apply(ctx, clientID, o.ID, Actor{Account: account}, "org.activate", nil, false,
			func(cfg *Config, o *store.Organization, _ string) error {
				a := o.Activation
				switch {
				case !cfg.Activation:
					return ErrNotAllowed
				case o.Status != store.OrgPending || o.Owner != "":
					return ErrNumberUnknown
				case a == nil || len(a.Hash) == 0 || !bytes.Equal(a.Hash, hash):
					return ErrCodeUnknown
				case !s.now().Before(a.ExpiresAt):
					return ErrCodeExpired
				}
				o.Owner, o.Status, o.Activation = account, store.OrgActive, nil
				return nil
			})
	}
	if err != nil {
		s.audit(ctx, "org.activate", account, clientID, "failure", map[string]string{"reason": reason(err)})
	}
	return o, err
}

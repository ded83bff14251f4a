package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/broker/dormancy"
	"github.com/passerelle/passerelle/store"
)

// AccountView is what support sees of an account: dates, lock state,
// credentials and second factors, without secrets. The email address and
// names are left out on purpose (see the package doc).
type AccountView struct {
	URN         string    `json:"urn"`
	CreatedAt   time.Time `json:"created_at"`
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
	Locked      bool      `json:"locked"`
	// DormantSince: the account went unused too long (broker/dormancy)
	// and no sign-in completes until Reactivate.
	DormantSince  time.Time    `json:"dormant_since,omitzero"`
	ReactivatedAt time.Time    `json:"reactivated_at,omitzero"`
	Failures      int          `json:"failures"` // consecutive failed attempts
	LastFailureAt time.Time    `json:"last_failure_at,omitzero"`
	Links         []LinkView   `json:"links"`
	Factors       []FactorView `json:"factors"`
}

// LinkView is one credential linked to an account; the upstream subject
// stays out.
type LinkView struct {
	Provider string    `json:"provider"`
	LinkedAt time.Time `json:"linked_at"`
}

// FactorView is one second factor, without its secret or address.
type FactorView struct {
	Kind       string    `json:"kind"`
	Name       string    `json:"name,omitempty"`
	AddedAt    time.Time `json:"added_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	// CodesLeft counts the unused codes of a recovery factor.
	CodesLeft int `json:"codes_left,omitempty"`
}

// account finds an account by URN (white space around it ignored).
func (s *Service) account(ctx context.Context, urn string) (store.Account, error) {
	urn = strings.TrimSpace(urn)
	a, err := s.st.GetAccountByURN(ctx, urn)
	if err != nil {
		return store.Account{}, notFound(err, fmt.Sprintf("no account with URN %q", urn))
	}
	return a, nil
}

// Account shows the account with this URN.
func (s *Service) Account(ctx context.Context, urn string) (AccountView, error) {
	a, err := s.account(ctx, urn)
	if err != nil {
		return AccountView{}, err
	}
	links, err := s.st.ListLinks(ctx, a.ID)
	if err != nil {
		return AccountView{}, err
	}
	factors, err := s.st.ListFactors(ctx, a.ID)
	if err != nil {
		return AccountView{}, err
	}
	v := AccountView{URN: a.URN, CreatedAt: a.CreatedAt, LastLoginAt: a.LastLoginAt, Locked: a.Locked,
		DormantSince: a.DormantSince, ReactivatedAt: a.ReactivatedAt,
		Failures: a.Failures, LastFailureAt: a.LastFailureAt,
		Links: make([]LinkView, 0, len(links)), Factors: make([]FactorView, 0, len(factors))}
	for _, l := range links {
		v.Links = append(v.Links, LinkView{Provider: l.Provider, LinkedAt: l.CreatedAt})
	}
	for _, f := range factors {
		fv := FactorView{Kind: f.Kind, Name: f.Name, AddedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt}
		for _, c := range f.Codes {
			if c.UsedAt.IsZero() {
				fv.CodesLeft++
			}
		}
		v.Factors = append(v.Factors, fv)
	}
	return v, nil
}

// Lock locks the account as too many failures would, and ends what it
// already holds: every SSO session, and every grant issued to relying
// parties (so their access and refresh tokens). Only Unlock lifts it.
func (s *Service) Lock(ctx context.Context, urn string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	err = s.st.UpdateAccount(ctx, a.ID, func(a store.Account) (store.Account, error) {
		a.Locked = true
		return a, nil
	})
	if err != nil {
		return notFound(err, fmt.Sprintf("no account with URN %q", a.URN))
	}
	sessions, err := s.st.DeleteSessionsByAccount(ctx, a.ID)
	grants := 0
	if err == nil {
		grants, err = s.st.RevokeGrantsByAccount(ctx, a.ID)
	}
	detail := map[string]string{"sessions": strconv.Itoa(sessions), "grants": strconv.Itoa(grants)}
	if err != nil {
		detail["incomplete"] = "sessions or grants not all ended"
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.account.lock", AccountID: a.ID, Detail: detail})
	if err != nil {
		return fmt.Errorf("admin: account locked, but its sessions and grants were not all ended: %w", err)
	}
	return nil
}

// Unlock lifts a lock and clears the failure count (mfa.Regulator.Unlock).
func (s *Service) Unlock(ctx context.Context, urn string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	if err := s.reg.Unlock(ctx, a.ID); err != nil {
		return notFound(err, fmt.Sprintf("no account with URN %q", a.URN))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.account.unlock", AccountID: a.ID})
	return nil
}

// Reactivate lifts a dormant account's dormancy: its next sign-in goes
// through, and its idleness is counted from now. ErrNotDormant (409) if
// it is not dormant.
func (s *Service) Reactivate(ctx context.Context, urn string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	err = dormancy.Reactivate(ctx, s.st, a.ID, s.now())
	if errors.Is(err, dormancy.ErrNotDormant) {
		return fmt.Errorf("%w: account %s", ErrNotDormant, a.URN)
	}
	if err != nil {
		return notFound(err, fmt.Sprintf("no account with URN %q", a.URN))
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.account.reactivate", AccountID: a.ID})
	return nil
}

// ResetMFA removes every second factor of the account and returns how
// many it removed; the person sets up a new one at the next sign-in.
func (s *Service) ResetMFA(ctx context.Context, urn string) (int, error) {
	a, err := s.account(ctx, urn)
	if err != nil {
		return 0, err
	}
	factors, err := s.st.ListFactors(ctx, a.ID)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, f := range factors {
		err := s.st.DeleteFactor(ctx, f.ID)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, store.ErrNotFound): // gone already: not ours to count
			return removed, err
		}
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.account.reset_mfa", AccountID: a.ID,
		Detail: map[string]string{"removed": strconv.Itoa(removed)}})
	return removed, nil
}

// Unlink removes the account's credentials of provider. It refuses to
// remove the last credential (ErrLastCredential): an account nobody can
// sign in to would be lost. The check and the removal are separate store
// calls, like the account page's: two administrators unlinking the last
// two credentials at the same instant could both pass it.
func (s *Service) Unlink(ctx context.Context, urn, provider string) error {
	a, err := s.account(ctx, urn)
	if err != nil {
		return err
	}
	links, err := s.st.ListLinks(ctx, a.ID)
	if err != nil {
		return err
	}
	var drop []store.Link
	for _, l := range links {
		if l.Provider == provider {
			drop = append(drop, l)
		}
	}
	if len(drop) == 0 {
		return fmt.Errorf("%w: account %s has no credential of provider %q", ErrNotFound, a.URN, provider)
	}
	if len(drop) == len(links) {
		return fmt.Errorf("%w: %q is the only provider linked to account %s", ErrLastCredential, provider, a.URN)
	}
	for _, l := range drop {
		if err := s.st.DeleteLink(ctx, l.Provider, l.Subject); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	s.audit(ctx, store.AuditEvent{Kind: "admin.account.unlink", AccountID: a.ID,
		Detail: map[string]string{"provider": provider}})
	return nil
}

package orgs

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/store"
)

// Activation by mail (seed 002). The client's register holds its
// businesses (created pending, with their external numbers, by an
// administrator); a person asks for an activation letter by number; the
// operator's export (Letters) makes the codes and hands them, in clear,
// to the mail house, which sends each to the business's address on file,
// never to the person who asked; whoever holds the letter enters the
// number and the code and becomes the owner. The letters of one
// organization coexist (doc.go says why).

// ErrNumberUnknown: no organization of the client awaits activation
// under this number.
var ErrNumberUnknown = errors.New("orgs: no organization awaits activation under this number")

// MaxLetterRequests is how many letter requests one account may make of
// one client in an activation_ttl: past it a request adds no letter (and
// is answered alike), so one person cannot have letters mailed to every
// business of a register.
const MaxLetterRequests = 20

// RequestActivation asks for an activation letter for the organization
// with this external number. It never voids a letter already mailed: it
// adds one unless a request already waits for the export,
// store.MaxOrgLetters letters are under way or the account is past
// MaxLetterRequests, and says the same either way (the letters go to the
// business, who may use any of them).
func (s *Service) RequestActivation(ctx context.Context, clientID, account, number string) (store.Organization, error) {
	cfg, err := s.Config(ctx, clientID)
	if err != nil {
		return store.Organization{}, err
	}
	if !cfg.Activation {
		return store.Organization{}, ErrNotAllowed
	}
	o, err := s.awaiting(ctx, clientID, number)
	if errors.Is(err, ErrNumberUnknown) {
		o, err = s.fromRegister(ctx, cfg, clientID, number)
	}
	if err != nil {
		s.audit(ctx, "org.activation.request", account, clientID, "failure", map[string]string{"reason": "unknown_number"})
		return o, err
	}
	// Counted before anything else, whatever becomes of the request.
	asked, err := s.st.Hit(ctx, "org-letter:"+clientID+":"+account, cfg.ActivationTTL)
	if err != nil {
		return store.Organization{}, err
	}
	detail := map[string]string{}
	return s.apply(ctx, clientID, o.ID, Actor{Account: account}, "org.activation.request", detail, false,
		func(cfg *Config, o *store.Organization, _ string) error {
			now := s.now()
			if o.Status != store.OrgPending || o.Owner != "" {
				return ErrNumberUnknown
			}
			o.Letters = slices.DeleteFunc(o.Letters, func(l store.ActivationLetter) bool {
				return len(l.Hash) > 0 && !now.Before(l.ExpiresAt)
			})
			waiting := slices.ContainsFunc(o.Letters, func(l store.ActivationLetter) bool { return len(l.Hash) == 0 })
			switch {
			case waiting:
				detail["letter"] = "already_asked"
			case len(o.Letters) >= store.MaxOrgLetters:
				detail["letter"] = "enough_under_way"
			case asked > MaxLetterRequests:
				detail["letter"] = "account_over_its_requests"
			default:
				detail["letter"] = "asked"
				o.Letters = append(o.Letters, store.ActivationLetter{RequestedBy: account, RequestedAt: now})
			}
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
	if _, err := s.Config(ctx, clientID); err != nil {
		return nil, err
	}
	list, err := s.st.ListOrganizations(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var out []Letter
	for _, o := range list {
		if !slices.ContainsFunc(o.Letters, unissued) {
			continue
		}
		code := newCode()
		hash, _ := hashCode(code)
		var l Letter
		_, err := s.apply(ctx, clientID, o.ID, Actor{Admin: true}, "org.activation.letter", nil, false,
			func(cfg *Config, o *store.Organization, _ string) error {
				k := slices.IndexFunc(o.Letters, unissued)
				if k < 0 {
					return errSkip
				}
				a, now := &o.Letters[k], s.now()
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

// VoidLetters voids every letter of a pending organization, mailed or
// not: the administrator's answer to a business that reports a letter
// stolen or misdelivered before its 45 days are over. The business then
// asks for a new one, which the export mails to its address. It returns
// how many letters it voided.
func (s *Service) VoidLetters(ctx context.Context, clientID, orgID string, who Actor) (int, error) {
	detail := map[string]string{}
	var n int
	_, err := s.apply(ctx, clientID, orgID, who, "org.activation.void", detail, false,
		func(_ *Config, o *store.Organization, _ string) error {
			if o.Status != store.OrgPending || o.Owner != "" {
				return ErrNotPending
			}
			n = len(o.Letters)
			detail["letters"] = strconv.Itoa(n)
			o.Letters = nil
			return nil
		})
	return n, err
}

// unissued reports whether a letter waits for the export.
func unissued(l store.ActivationLetter) bool { return len(l.Hash) == 0 }

// errSkip: a request issued meanwhile by another export.
var errSkip = errors.New("orgs: issued meanwhile")

// Activate makes account the owner of the organization with this number,
// given the code of any of its letters under way. Refusals are audited; the caller counts
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
				k := slices.IndexFunc(o.Letters, func(l store.ActivationLetter) bool { return bytes.Equal(l.Hash, hash) })
				switch {
				case !cfg.Activation:
					return ErrNotAllowed
				case o.Status != store.OrgPending || o.Owner != "":
					return ErrNumberUnknown
				case k < 0:
					return ErrCodeUnknown
				case !s.now().Before(o.Letters[k].ExpiresAt):
					return ErrCodeExpired
				}
				o.Owner, o.Status, o.Letters = account, store.OrgActive, nil
				return nil
			})
	}
	if err != nil {
		s.audit(ctx, "org.activate", account, clientID, "failure", map[string]string{"reason": reason(err)})
	}
	return o, err
}

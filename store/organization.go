package store

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// Organization statuses.
const (
	// OrgPending: created (by an administrator, or by a request for an
	// activation code) and waiting for its activation; nobody signs in for
	// it yet.
	OrgPending = "pending"
	// OrgActive: people sign in for it.
	OrgActive = "active"
	// OrgSuspended: kept, but nobody signs in for it.
	OrgSuspended = "suspended"
)

// Bounds on what one organization record holds, so a member (or an
// activation request) cannot make it grow without end. package orgs
// prunes finished invitations before these bite.
const (
	MaxOrgMembers     = 2000
	MaxOrgInvitations = 200
	// MaxOrgLetters bounds the activation letters an organization has
	// under way (asked for, or mailed and not expired).
	MaxOrgLetters = 3
)

// Organization is a business or an institution a person acts for at one
// client (relying party): the client's own register, invisible to every
// other client. Its members, its invitation codes, its activation letters
// and a transfer of ownership waiting for confirmation live in the
// record, so every change to them is one atomic update and "exactly one
// owner" is the shape of the record: Owner is one account, never also
// listed in Members.
type Organization struct {
	ClientID string `json:"client_id"`
	ID       string `json:"id"`
	// Names by language (en, fr).
	Names map[string]string `json:"names"`
	// ExternalNumber is the client's own number for it (a business
	// number, an institution code), unique within the client; may be empty.
	ExternalNumber string `json:"external_number,omitempty"`
	Status         string `json:"status"`
	// Owner is the account holding the client's owner role, if the client
	// has one and the organization has been activated.
	Owner       string       `json:"owner,omitempty"`
	Members     []Member     `json:"members,omitempty"`
	Invitations []Invitation `json:"invitations,omitempty"`
	// Letters are the activation letters asked for and not yet expired,
	// oldest first (package orgs keeps at most MaxOrgLetters).
	Letters []ActivationLetter `json:"letters,omitempty"`
	// Transfer is an ownership transfer waiting for the new owner.
	Transfer  *OwnershipTransfer `json:"transfer,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Member is an account's membership other than the owner's, with one
// role of the client's table.
type Member struct {
	AccountID string    `json:"account_id"`
	Role      string    `json:"role"`
	Since     time.Time `json:"since"`
}

// Invitation is a single-use code that makes whoever enters it a member
// with Role. Only the code's hash (HashToken) is kept. Used, revoked and
// expired invitations stay in the record for a while so that the person
// who enters one is told which it is.
type Invitation struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	Hash      []byte    `json:"hash"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedBy    string    `json:"used_by,omitempty"`
	UsedAt    time.Time `json:"used_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Pending reports whether the invitation can still be used at now.
func (i Invitation) Pending(now time.Time) bool {
	return i.UsedAt.IsZero() && i.RevokedAt.IsZero() && now.Before(i.ExpiresAt)
}

// ActivationLetter is one activation letter: asked for by a person, then
// made when the operator exports the letters for the mail house (Hash,
// IssuedAt and ExpiresAt set then), so its clear text is never stored.
// Whoever enters its code with the external number becomes the owner;
// the letters of one organization coexist until they expire (package
// orgs says why).
type ActivationLetter struct {
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	Hash        []byte    `json:"hash,omitempty"`
	IssuedAt    time.Time `json:"issued_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

// OwnershipTransfer is the owner's offer of ownership to a member, until
// that member accepts it or it expires.
type OwnershipTransfer struct {
	To        string    `json:"to"`
	OfferedAt time.Time `json:"offered_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LogValue logs the keys only: names are the client's business, codes
// secret.
func (o Organization) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client", o.ClientID), slog.String("id", o.ID))
}

// Role returns the role of account in o ("" when not a member); owner is
// the client's owner role, which the owner holds.
func (o Organization) Role(account, owner string) string {
	if account == "" {
		return ""
	}
	if o.Owner == account {
		return owner
	}
	for _, m := range o.Members {
		if m.AccountID == account {
			return m.Role
		}
	}
	return ""
}

// Clone copies o's slices and pointed-to parts, so that an update
// function that edits its argument in place cannot change the record the
// backend keeps to compare with (the index entries to move).
func (o Organization) Clone() Organization {
	o.Names = maps.Clone(o.Names)
	o.Members = slices.Clone(o.Members)
	o.Invitations = slices.Clone(o.Invitations)
	for k := range o.Invitations {
		o.Invitations[k].Hash = slices.Clone(o.Invitations[k].Hash)
	}
	o.Letters = slices.Clone(o.Letters)
	for k := range o.Letters {
		o.Letters[k].Hash = slices.Clone(o.Letters[k].Hash)
	}
	if o.Transfer != nil {
		t := *o.Transfer
		o.Transfer = &t
	}
	return o
}

// MemberAccounts lists the owner and every member.
func (o Organization) MemberAccounts() []string {
	out := make([]string, 0, len(o.Members)+1)
	if o.Owner != "" {
		out = append(out, o.Owner)
	}
	for _, m := range o.Members {
		out = append(out, m.AccountID)
	}
	return out
}

// errOrg is the sentinel every refusal of Validate wraps.
var errOrg = errors.New("organization is not valid")

// Validate refuses a record that breaks the shape every backend keeps:
// keys, a known status, at most one owner who is not also a member, each
// account once, every invitation with a unique hash, and the bounds.
// Backends call it before every write, so a bug in a caller can never
// store two owners.
func (o Organization) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errOrg, fmt.Sprintf(format, args...))
	}
	switch {
	case o.ClientID == "":
		return bad("empty client ID")
	case o.ID == "":
		return bad("empty ID")
	case o.Status != OrgPending && o.Status != OrgActive && o.Status != OrgSuspended:
		return bad("status %q", o.Status)
	case len(o.Members) > MaxOrgMembers:
		return bad("more than %d members", MaxOrgMembers)
	case len(o.Invitations) > MaxOrgInvitations:
		return bad("more than %d invitations", MaxOrgInvitations)
	case len(o.Letters) > MaxOrgLetters:
		return bad("more than %d activation letters", MaxOrgLetters)
	}
	seen := map[string]bool{}
	if o.Owner != "" {
		seen[o.Owner] = true
	}
	for _, m := range o.Members {
		if m.AccountID == "" || m.Role == "" {
			return bad("a member without account or role")
		}
		if seen[m.AccountID] {
			return bad("account %s listed twice (or both owner and member)", m.AccountID)
		}
		seen[m.AccountID] = true
	}
	hashes := map[string]bool{}
	for _, i := range o.Invitations {
		if i.ID == "" || len(i.Hash) == 0 || i.Role == "" {
			return bad("an invitation without ID, hash or role")
		}
		if hashes[string(i.Hash)] {
			return bad("two invitations with one code")
		}
		hashes[string(i.Hash)] = true
	}
	if o.Transfer != nil && o.Owner == "" {
		return bad("a transfer of ownership without an owner")
	}
	return nil
}

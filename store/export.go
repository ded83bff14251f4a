package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kinds of exported records, in the order an Exporter yields them.
const (
	KindClient          = "client"
	KindSigningKey      = "signing_key"
	KindAccount         = "account"
	KindLink            = "link"
	KindGrant           = "grant"
	KindSession         = "session"
	KindFactor          = "factor"
	KindLocalUser       = "local_user"
	KindTermsAcceptance = "terms_acceptance"
	KindOrganization    = "organization"
	KindLegacyAccount   = "legacy_account"
	KindLegacyLink      = "legacy_link"
	KindClientRecord    = "client_record"
	KindRecordLink      = "record_link"
	KindAssistRequest   = "assist_request"
	KindAudit           = "audit"
)

// SkippedSuffix marks the keys of Copy's counts that count records not
// written: "grant" + SkippedSuffix is the number of grants skipped.
const SkippedSuffix = " skipped"

// Record is one exported record. Value is the record itself, by Kind:
// Client, SigningKey, Account, Link, ExportedGrant, Session, Factor,
// LocalUser, TermsAcceptance, Organization, LegacyAccount, LegacyLink,
// ClientRecord, RecordLink, AssistRequest or AuditEvent.
//
// Transient records are not exported: auth requests (with their
// authorization codes) and one-time codes live for one sign-in (minutes), and rate counters
// (Hit) for one window. A person in the middle of a sign-in when the
// store is moved starts again; nothing durable is lost. Sessions and
// grants are exported: they outlive a sign-in (hours) and losing them
// would sign everybody out and break every refresh token.
type Record struct {
	Kind  string
	Value any
}

// ExportedGrant is a grant with every refresh hash it ever had (the
// current one included), so the target keeps recognising a rotated-away
// refresh token presented again (reuse detection revokes the family).
type ExportedGrant struct {
	Grant         Grant
	RefreshHashes [][]byte
}

// Exporter is implemented by backends that can list everything they
// hold, for moving a store to another backend (passerelle store copy).
//
// Export calls fn for every durable record, kind after kind in the order
// of the Kind constants, with one exception: each account is followed at
// once by its links, so a copier can create the account with its first
// link. Export reads one consistent snapshot. It stops at the first
// error fn returns and returns that error unwrapped. fn must not write
// to the exporting store.
type Exporter interface {
	Export(ctx context.Context, fn func(Record) error) error
}

// Copy writes every record from exports into to, through the Store's
// Create methods, and returns per kind how many records it wrote; the key
// kind+SkippedSuffix counts the records it did not write because to holds
// them already or because they have expired (they read as missing and
// Sweep would delete them).
//
// Copy is idempotent: a record to already holds (ErrAlreadyExists) is
// skipped, so a copy that stopped half-way is finished by running it
// again. An account goes in with its first link (CreateAccount), further
// links with CreateLink. A grant is created with one of its refresh
// hashes, then updated through the others to its current one, so to
// lists every hash under the grant (a token that does not name its
// grant is then found by its hash alone only where to keys the hashes
// themselves, as PostgreSQL does: copied into bbolt, its holder signs in
// again); a grant that was already there is left untouched,
// so a copy interrupted between those steps leaves that grant with part
// of its history (only reuse detection of its older tokens is lost). An
// account without any link (they were all removed) is created with a
// placeholder link that is deleted at once: the contract has no other
// way in. A terms acceptance is put unless to holds one for the same
// (account, client) accepted at the same time or later: the latest
// acceptance wins, and a second copy skips it. Legacy accounts and
// client records go in unless to holds one with the same key, then the
// links made to them and the requests for an agent.
func Copy(ctx context.Context, from Exporter, to Store) (map[string]int, error) {
	c := copier{to: to, now: time.Now(), counts: map[string]int{}}
	err := from.Export(ctx, func(r Record) error { return c.put(ctx, r) })
	if err == nil {
		err = c.flush(ctx)
	}
	return c.counts, err
}

// copier carries Copy's state: the account waiting for its first link.
type copier struct {
	to      Store
	now     time.Time
	counts  map[string]int
	pending *Account
}

// put writes one record, or holds an account back until its first link.
func (c *copier) put(ctx context.Context, r Record) error {
	if r.Kind != KindLink {
		if err := c.flush(ctx); err != nil {
			return err
		}
	}
	var err error
	switch v := r.Value.(type) {
	case Client:
		err = c.to.CreateClient(ctx, v)
	case SigningKey:
		err = c.unlessExpired(v.ExpiresAt, func() error { return c.to.CreateSigningKey(ctx, v) })
	case Account:
		c.pending = &v
		return nil
	case Link:
		err = c.link(ctx, v)
	case ExportedGrant:
		err = c.unlessExpired(v.Grant.ExpiresAt, func() error { return c.grant(ctx, v) })
	case Session:
		err = c.unlessExpired(v.ExpiresAt, func() error { return c.to.CreateSession(ctx, v) })
	case Factor:
		err = c.to.CreateFactor(ctx, v)
	case LocalUser:
		exp := v.ExpiresAt
		if v.Confirmed {
			exp = time.Time{}
		}
		err = c.unlessExpired(exp, func() error { return c.to.CreateLocalUser(ctx, v) })
	case TermsAcceptance:
		err = c.terms(ctx, v)
	case Organization:
		err = c.to.CreateOrganization(ctx, v)
	case LegacyAccount:
		err = c.unlessHeld(func() error { _, err := c.to.GetLegacyAccount(ctx, v.ClientID, v.LegacyID); return err },
			func() error { return c.to.ImportLegacyAccounts(ctx, []LegacyAccount{v}) })
	case LegacyLink:
		err = c.to.CreateLegacyLink(ctx, v)
	case ClientRecord:
		err = c.unlessHeld(func() error { _, err := c.to.GetClientRecord(ctx, v.ClientID, v.RecordID); return err },
			func() error { return c.to.ImportClientRecords(ctx, []ClientRecord{v}) })
	case RecordLink:
		err = c.to.CreateRecordLink(ctx, v)
	case AssistRequest:
		err = c.to.CreateAssistRequest(ctx, v)
	case AuditEvent:
		err = c.to.AppendAudit(ctx, v)
	default:
		return fmt.Errorf("store: copy: %s record holds a %T", r.Kind, r.Value)
	}
	return c.count(r.Kind, err)
}

// errExpired marks a record skipped because it has expired.
var errExpired = errors.New("expired")

// unlessExpired runs create unless expiresAt (zero: never) has passed.
func (c *copier) unlessExpired(expiresAt time.Time, create func() error) error {
	if !expiresAt.IsZero() && expiresAt.Before(c.now) {
		return errExpired
	}
	return create()
}

// count records the outcome of one write: written, skipped, or an error.
// unlessHeld runs put unless get finds the record in the target already
// (then ErrAlreadyExists): for the kinds the contract imports, replacing,
// rather than creates.
func (c *copier) unlessHeld(get, put func() error) error {
	switch err := get(); {
	case err == nil:
		return ErrAlreadyExists
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return put()
}

func (c *copier) count(kind string, err error) error {
	switch {
	case err == nil:
		c.counts[kind]++
	case errors.Is(err, ErrAlreadyExists), errors.Is(err, errExpired):
		c.counts[kind+SkippedSuffix]++
	default:
		return fmt.Errorf("store: copy %s: %w", kind, err)
	}
	return nil
}

// link creates the pending account with l as its first link, or adds l
// to its account. An account already in the target still gets the links
// it lacks.
func (c *copier) link(ctx context.Context, l Link) error {
	a := c.pending
	if a == nil || a.ID != l.AccountID {
		return c.to.CreateLink(ctx, l)
	}
	c.pending = nil
	err := c.to.CreateAccount(ctx, *a, l)
	if cerr := c.count(KindAccount, err); cerr != nil || err == nil {
		return cerr
	}
	return c.to.CreateLink(ctx, l) // the account is there; its first link may not be
}

// placeholderProvider names the link an account without links is created
// with, and loses at once.
const placeholderProvider = "passerelle-store-copy"

// flush creates an account that no link followed.
func (c *copier) flush(ctx context.Context) error {
	a := c.pending
	if a == nil {
		return nil
	}
	c.pending = nil
	tmp := Link{Provider: placeholderProvider, Subject: a.ID, AccountID: a.ID, CreatedAt: c.now}
	err := c.to.CreateAccount(ctx, *a, tmp)
	if err == nil {
		err = c.to.DeleteLink(ctx, tmp.Provider, tmp.Subject)
	}
	return c.count(KindAccount, err)
}

// grant creates a grant with its refresh history: the first hash at
// creation, each other one by an update, the current one last.
func (c *copier) grant(ctx context.Context, x ExportedGrant) error {
	g := x.Grant
	var history [][]byte
	for _, h := range x.RefreshHashes {
		if string(h) != string(g.RefreshHash) {
			history = append(history, h)
		}
	}
	if len(g.RefreshHash) > 0 {
		history = append(history, g.RefreshHash)
	}
	first := g
	if len(history) > 0 {
		first.RefreshHash, history = history[0], history[1:]
	}
	if err := c.to.CreateGrant(ctx, first); err != nil {
		return err
	}
	for _, h := range history {
		err := c.to.UpdateGrant(ctx, g.ID, func(cur Grant) (Grant, error) {
			cur.RefreshHash = h
			return cur, nil
		})
		if err != nil {
			return fmt.Errorf("refresh history of grant %s: %w", g.ID, err)
		}
	}
	return nil
}

// terms puts an acceptance unless to holds one at least as recent, which
// counts as already there.
func (c *copier) terms(ctx context.Context, a TermsAcceptance) error {
	cur, err := c.to.GetTermsAcceptance(ctx, a.AccountID, a.ClientID)
	switch {
	case err == nil && !cur.AcceptedAt.Before(a.AcceptedAt):
		return ErrAlreadyExists
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	return c.to.PutTermsAcceptance(ctx, a)
}

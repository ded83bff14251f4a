package bolt

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/internal/decoded"
)

// Bucket names. doc.go describes what each holds.
var (
	bucketMeta = []byte("meta")

	bucketClients     = []byte("clients")
	bucketAccounts    = []byte("accounts")
	bucketLinks       = []byte("links")
	bucketAuthReqs    = []byte("auth_requests")
	bucketGrants      = []byte("grants")
	bucketSessions    = []byte("sessions")
	bucketSigningKeys = []byte("signing_keys")
	bucketFactors     = []byte("factors")
	bucketOTPs        = []byte("otps")
	bucketHits        = []byte("hits")
	bucketAudit       = []byte("audit")
	bucketLocalUsers  = []byte("local_users")
	bucketTerms       = []byte("terms_acceptances")
	bucketOrgs        = []byte("organizations")

	bucketLegacyAccounts  = []byte("legacy_accounts")
	bucketLegacyLinks     = []byte("legacy_links")
	indexLegacyByUsername = []byte("idx_legacy_by_username")
	indexLegacyLinkByID   = []byte("idx_legacy_link_by_id")

	bucketClientRecords     = []byte("client_records")
	bucketRecordLinks       = []byte("record_links")
	bucketAssistRequests    = []byte("assist_requests")
	indexRecordByKey        = []byte("idx_record_by_key")
	indexRecordLinkByRecord = []byte("idx_record_link_by_record")
	indexAssistOpen         = []byte("idx_assist_open")

	indexAccountByURN      = []byte("idx_account_by_urn")
	indexLinksByAccount    = []byte("idx_links_by_account")
	indexGrantByRefresh    = []byte("idx_grant_by_refresh")
	indexRefreshByGrant    = []byte("idx_refresh_by_grant")
	indexGrantsByAccount   = []byte("idx_grants_by_account")
	indexSessionsByAccount = []byte("idx_sessions_by_account")
	indexFactorsByAccount  = []byte("idx_factors_by_account")
	indexFactorByCred      = []byte("idx_factor_by_cred")
	indexAuditByID         = []byte("idx_audit_by_id")

	indexExpiry         = []byte("idx_expiry")
	indexRefreshRetired = []byte("idx_refresh_retired")

	indexLocalUserByUsername = []byte("idx_local_by_username")
	indexLocalUserByEmail    = []byte("idx_local_by_email")

	indexOrgByNumber     = []byte("idx_org_by_number")
	indexOrgsByAccount   = []byte("idx_orgs_by_account")
	indexOrgByInvitation = []byte("idx_org_by_invitation")

	keySchemaVersion = []byte("schema_version")
)

// dataBuckets lists every bucket besides meta.
var dataBuckets = [][]byte{
	bucketClients, bucketAccounts, bucketLinks, bucketAuthReqs,
	bucketGrants, bucketSessions, bucketSigningKeys,
	indexAccountByURN, indexLinksByAccount, indexGrantByRefresh,
	indexRefreshByGrant, indexGrantsByAccount, indexSessionsByAccount,
	bucketFactors, bucketOTPs, bucketHits, bucketAudit,
	indexFactorsByAccount, indexFactorByCred, indexAuditByID,
	bucketLocalUsers, indexLocalUserByUsername, indexLocalUserByEmail,
	bucketTerms, indexExpiry, indexRefreshRetired,
	bucketOrgs, indexOrgByNumber, indexOrgsByAccount, indexOrgByInvitation,
	bucketLegacyAccounts, bucketLegacyLinks, indexLegacyByUsername, indexLegacyLinkByID,
	bucketClientRecords, bucketRecordLinks, bucketAssistRequests, indexRecordByKey, indexRecordLinkByRecord, indexAssistOpen,
}

// retiredBuckets held records no version writes any more; Open deletes
// them. "codes" held authorization codes, which now live on their auth
// request; a code issued a minute before the upgrade is lost with it.
var retiredBuckets = [][]byte{[]byte("codes")}

// kind describes how records of one type are stored: the bucket, the
// primary key, and the expiry that makes a record read as missing.
type kind[T any] struct {
	name   string
	bucket []byte
	key    func(T) []byte
	// expiresAt is nil for kinds that never expire on read.
	expiresAt func(T) time.Time
	// tag is the kind's byte in idx_expiry, zero for kinds Sweep never
	// deletes. Every record of a tagged kind with a non-zero sweepAt has
	// exactly one entry there.
	tag byte
	// sweptAt is when Sweep deletes a record, when that is not expiresAt
	// (signing keys do not expire on read but are swept; a revoked grant
	// and a consumed one-time code go before their expiry).
	sweptAt func(T) time.Time
	// decoded, when set, spares load decoding a record read before
	// whose stored bytes have not changed since (store/internal/decoded).
	decoded *decoded.Cache[T]
	// amend, when set, reads into a record what its kind keeps outside
	// it, in an index entry that changes more often than the rest (a
	// grant's current refresh hash: currentRefresh); every read applies
	// it (decode). unchanged then says when an updated record differs from
	// the one stored only in that, so that update leaves the stored one
	// (its reindex wrote the entry).
	amend     func(tx *bbolt.Tx, v *T)
	unchanged func(stored []byte, v T) bool
}

// sweepAt is when Sweep deletes v; zero for never.
func (k kind[T]) sweepAt(v T) time.Time {
	switch {
	case k.tag == 0:
		return time.Time{}
	case k.sweptAt != nil:
		return k.sweptAt(v)
	case k.expiresAt != nil:
		return k.expiresAt(v)
	}
	return time.Time{}
}

var (
	clients = kind[store.Client]{name: "client", bucket: bucketClients,
		key: func(c store.Client) []byte { return []byte(c.ID) }}
	accounts = kind[store.Account]{name: "account", bucket: bucketAccounts,
		key:     func(a store.Account) []byte { return []byte(a.ID) },
		decoded: decoded.Accounts}
	links = kind[store.Link]{name: "link", bucket: bucketLinks,
		key: func(l store.Link) []byte { return linkKey(l.Provider, l.Subject) }}
	authRequests = kind[store.AuthRequest]{name: "auth request", bucket: bucketAuthReqs, tag: 'a',
		key:       func(r store.AuthRequest) []byte { return []byte(r.ID) },
		expiresAt: func(r store.AuthRequest) time.Time { return r.ExpiresAt }}
	grants = kind[store.Grant]{name: "grant", bucket: bucketGrants, tag: 'g',
		key:       func(g store.Grant) []byte { return []byte(g.ID) },
		expiresAt: func(g store.Grant) time.Time { return g.ExpiresAt },
		sweptAt:   func(g store.Grant) time.Time { return store.SweepAt(g.ExpiresAt, g.SweepEarlyAt()) },
		decoded:   decoded.Grants, amend: currentRefresh, unchanged: onlyRefreshRotated}
	sessions = kind[store.Session]{name: "session", bucket: bucketSessions, tag: 's',
		key:       func(s store.Session) []byte { return s.Hash },
		expiresAt: func(s store.Session) time.Time { return s.ExpiresAt }}
	signingKeys = kind[store.SigningKey]{name: "signing key", bucket: bucketSigningKeys, tag: 'k',
		key:     func(k store.SigningKey) []byte { return []byte(k.ID) },
		sweptAt: func(k store.SigningKey) time.Time { return k.ExpiresAt }}
	factors = kind[store.Factor]{name: "factor", bucket: bucketFactors,
		key:     func(f store.Factor) []byte { return []byte(f.ID) },
		decoded: decoded.Factors}
	otps = kind[store.OTP]{name: "one-time code", bucket: bucketOTPs, tag: 'o',
		key:       func(o store.OTP) []byte { return []byte(o.ID) },
		expiresAt: func(o store.OTP) time.Time { return o.ExpiresAt },
		sweptAt:   func(o store.OTP) time.Time { return store.SweepAt(o.ExpiresAt, o.SweepEarlyAt()) }}
	hits = kind[hitWindow]{name: "rate counter", bucket: bucketHits, tag: 'h',
		key:       func(h hitWindow) []byte { return []byte(h.Key) },
		expiresAt: func(h hitWindow) time.Time { return h.ExpiresAt }}
	auditEvents = kind[store.AuditEvent]{name: "audit event", bucket: bucketAudit,
		key: func(e store.AuditEvent) []byte { return auditKey(e) }}
	localUsers = kind[store.LocalUser]{name: "local user", bucket: bucketLocalUsers, tag: 'u',
		key:       func(u store.LocalUser) []byte { return []byte(u.ID) },
		expiresAt: localUserExpiry}
	termsAcceptances = kind[store.TermsAcceptance]{name: "terms acceptance", bucket: bucketTerms,
		key: func(a store.TermsAcceptance) []byte { return termsKey(a.AccountID, a.ClientID) }}
	organizations = kind[store.Organization]{name: "organization", bucket: bucketOrgs,
		key: func(o store.Organization) []byte { return orgKey(o.ClientID, o.ID) }}
	legacyAccounts = kind[store.LegacyAccount]{name: "legacy account", bucket: bucketLegacyAccounts,
		key: func(a store.LegacyAccount) []byte { return pairKey(a.ClientID, a.LegacyID) }}
	legacyLinks = kind[store.LegacyLink]{name: "legacy link", bucket: bucketLegacyLinks,
		key: func(l store.LegacyLink) []byte { return pairKey(l.ClientID, l.AccountID) }}
	rpRecords = kind[store.ClientRecord]{name: "client record", bucket: bucketClientRecords,
		key: func(r store.ClientRecord) []byte { return pairKey(r.ClientID, r.RecordID) }}
	recordLinks = kind[store.RecordLink]{name: "record link", bucket: bucketRecordLinks,
		key: func(l store.RecordLink) []byte { return pairKey(l.ClientID, l.AccountID) }}
	assistRequests = kind[store.AssistRequest]{name: "assist request", bucket: bucketAssistRequests,
		key: func(a store.AssistRequest) []byte { return []byte(a.ID) }}
)

// notFound is the error for a missing (or expired) record.
func (k kind[T]) notFound() error {
	return fmt.Errorf("store/bolt: %s: %w", k.name, store.ErrNotFound)
}

// load reads the record at key, expired or not; ok is false when absent.
func load[T any](tx *bbolt.Tx, k kind[T], key []byte) (v T, ok bool, err error) {
	raw := tx.Bucket(k.bucket).Get(key)
	if raw == nil {
		return v, false, nil
	}
	v, err = k.decode(tx, raw, true)
	return v, err == nil, err
}

// decode is the record of k stored as raw, as every read gives it
// (amended). cached reads it through k's decoded cache, for reads of one
// record; reads of a whole bucket (list, export) pass false, so as not to
// push the records read often out of the cache.
func (k kind[T]) decode(tx *bbolt.Tx, raw []byte, cached bool) (v T, err error) {
	if cached && k.decoded != nil {
		v, err = k.decoded.Decode(raw)
	} else {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		return v, fmt.Errorf("store/bolt: decode %s: %w", k.name, err)
	}
	if k.amend != nil {
		k.amend(tx, &v)
	}
	return v, nil
}

// getLive reads the record at key, reporting an expired one as missing.
func getLive[T any](s *base, tx *bbolt.Tx, k kind[T], key []byte) (T, error) {
	v, ok, err := load(tx, k, key)
	if err != nil {
		return v, err
	}
	if !ok || (k.expiresAt != nil && s.expired(k.expiresAt(v))) {
		var zero T
		return zero, k.notFound()
	}
	return v, nil
}

// save writes v under its primary key and keeps its idx_expiry entry
// right: when a record is stored there already, save decodes it to find
// its entry. A caller that holds the stored record calls saveOver.
func save[T any](tx *bbolt.Tx, k kind[T], v T) error {
	if k.tag != 0 {
		if raw := tx.Bucket(k.bucket).Get(k.key(v)); raw != nil {
			var old T
			if err := json.Unmarshal(raw, &old); err != nil {
				return fmt.Errorf("store/bolt: decode %s: %w", k.name, err)
			}
			return saveOver(tx, k, &old, v)
		}
	}
	return saveOver(tx, k, nil, v)
}

// saveOver writes v over old (nil: nothing is stored under v's key) and
// moves the idx_expiry entry when the sweep time changed.
func saveOver[T any](tx *bbolt.Tx, k kind[T], old *T, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store/bolt: encode %s: %w", k.name, err)
	}
	key := k.key(v)
	if k.tag != 0 {
		at := k.sweepAt(v)
		var was time.Time
		if old != nil {
			was = k.sweepAt(*old)
		}
		if old == nil || !was.Equal(at) {
			if err := unmarkExpiry(tx, k.tag, was, key); err != nil {
				return err
			}
			if err := markExpiry(tx, k.tag, at, key); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(k.bucket).Put(key, raw)
}

// drop deletes v (stored under its key) with its idx_expiry entry.
func drop[T any](tx *bbolt.Tx, k kind[T], v T) error {
	key := k.key(v)
	if err := unmarkExpiry(tx, k.tag, k.sweepAt(v), key); err != nil {
		return err
	}
	return tx.Bucket(k.bucket).Delete(key)
}

// checkNew refuses an empty key or one already present (expired or not: a
// stale record is never silently replaced, its index entries would leak).
func checkNew[T any](tx *bbolt.Tx, k kind[T], v T) error {
	key := k.key(v)
	if len(key) == 0 {
		return refuse(fmt.Errorf("store/bolt: %s has an empty key", k.name))
	}
	if tx.Bucket(k.bucket).Get(key) != nil {
		return refuse(fmt.Errorf("store/bolt: %s: %w", k.name, store.ErrAlreadyExists))
	}
	return nil
}

// loadByIndex reads the record a unique index names for value, expired
// or not; ok is false when the index has no entry.
func loadByIndex[T any](tx *bbolt.Tx, k kind[T], index, value []byte) (v T, ok bool, err error) {
	key := tx.Bucket(index).Get(value)
	if key == nil {
		return v, false, nil
	}
	return load(tx, k, key)
}

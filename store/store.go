package store

import (
	"context"
	"crypto/sha256"
	"io"
	"time"
)

// Store is the persistence contract of Passerelle: the composition of one
// role interface per area, so a backend implements (and a reader finds)
// each area apart while every caller keeps taking a Store. Every method is
// safe for concurrent use. Get methods return ErrNotFound for a missing
// record, and also for a transient record (auth request, code, session,
// grant) whose ExpiresAt has passed, so an expired record behaves as a
// missing one even before Sweep runs. Create methods return
// ErrAlreadyExists for a duplicate key. Update methods return ErrNotFound
// for a missing record and whatever error fn returns, unwrapped, in which
// case nothing is written.
type Store interface {
	Clients
	SigningKeys
	Accounts
	AuthRequests
	Grants
	Sessions
	Factors
	OTPs
	LocalUsers
	Terms
	Organizations
	Legacy
	Records
	Audit
	Maintenance
}

// Clients stores the relying parties registered through the admin API or
// the configuration file.
type Clients interface {
	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, fn func(Client) (Client, error)) error
	DeleteClient(ctx context.Context, id string) error
}

// SigningKeys stores the broker's token signing keys, sealed at rest.
type SigningKeys interface {
	CreateSigningKey(ctx context.Context, k SigningKey) error
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	UpdateSigningKey(ctx context.Context, id string, fn func(SigningKey) (SigningKey, error)) error
	DeleteSigningKey(ctx context.Context, id string) error
}

// Accounts stores broker accounts and the upstream identities (links)
// attached to them.
type Accounts interface {
	// CreateAccount stores a new account together with its first link, in
	// one transaction: ErrAlreadyExists if the account ID or URN exists, or
	// if the link's (provider, subject) is already linked.
	CreateAccount(ctx context.Context, a Account, first Link) error
	GetAccount(ctx context.Context, id string) (Account, error)
	GetAccountByURN(ctx context.Context, urn string) (Account, error)
	UpdateAccount(ctx context.Context, id string, fn func(Account) (Account, error)) error
	// ListAccounts returns at most limit accounts whose ID sorts after
	// after ("" for the first page), in the backend's order of IDs: a
	// bounded page for passes over every account (the dormancy sweep).
	// Paging with the last ID of each page visits every account once.
	ListAccounts(ctx context.Context, after string, limit int) ([]Account, error)

	// CreateLink adds a link to an existing account (ErrNotFound if the
	// account is missing, ErrAlreadyExists if (provider, subject) is linked).
	CreateLink(ctx context.Context, l Link) error
	GetLink(ctx context.Context, provider, subject string) (Link, error)
	// GetLinkWithAccount is GetLink, and GetAccount and ListFactors of
	// the link's account, read together (one statement, one read
	// transaction): the upstream's callback needs all three. A missing
	// link is ErrNotFound with nothing returned; a link whose account is
	// missing is ErrNotFound too, with the link returned.
	GetLinkWithAccount(ctx context.Context, provider, subject string) (Link, Account, []Factor, error)
	ListLinks(ctx context.Context, accountID string) ([]Link, error)
	DeleteLink(ctx context.Context, provider, subject string) error
}

// AuthRequests stores the sign-ins in progress, each carrying its
// authorization code's hash once the code is issued. A backend holds a
// bounded number (store/bolt's and store/postgres's
// Options.MaxAuthRequests). At the bound, CreateAuthRequest drops the
// expired requests, else evicts the oldest one not protected, else
// refuses. A request is protected from when its person passes a
// credential (AuthRequest.Holder is set: created so, or by an update that
// sets or changes it) while it is among its holder's MaxHeldAuthRequests
// newest protected ones, by creation: a request that gets a holder
// makes that holder's oldest protected one beyond the bound evictable
// again, for good, so one account or one upstream identity cannot fill
// the table with sign-ins it never finishes.
type AuthRequests interface {
	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// GetAuthRequestWithAccount is GetAuthRequest and, when the request
	// names an account, GetAccount and ListFactors of it, read together (one
	// statement on PostgreSQL): every second-factor page needs all three.
	// The request comes back whenever it was read, whatever the error
	// (check its ID, not the error, to tell whether it was): a missing or
	// expired request is ErrNotFound with nothing returned; a request
	// naming a missing account is ErrNotFound too, with the request and
	// no account; a request naming none comes with no account.
	GetAuthRequestWithAccount(ctx context.Context, id string) (AuthRequest, Account, []Factor, error)
	UpdateAuthRequest(ctx context.Context, id string, fn func(AuthRequest) (AuthRequest, error)) error
	DeleteAuthRequest(ctx context.Context, id string) error
}

// Grants stores what an account consented to for a client, and the
// refresh tokens that grant issued.
type Grants interface {
	// CreateGrant stores a grant and, when RefreshHash is set, indexes it
	// under the grant. ErrAlreadyExists if the ID is taken; hashes are of
	// random tokens, and a store need not check them against other
	// grants' (PostgreSQL does, bbolt does not).
	CreateGrant(ctx context.Context, g Grant) error
	// CreateGrantWithSession is CreateGrant and, in the same commit, the
	// creation of the SSO session s and the deletion of the session whose
	// hash is replaced (none when it is empty or already gone): the code
	// a grant spends brings the session its sign-in opened. Refused with
	// ErrAlreadyExists as CreateGrant is (and when s's hash is taken), it
	// writes nothing.
	CreateGrantWithSession(ctx context.Context, g Grant, s Session, replaced []byte) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	// GetGrantWithAccount is GetGrant and GetAccount of the grant's
	// account read together (one statement, one read transaction):
	// introspection and userinfo need both. A missing or expired grant
	// is ErrNotFound as GetGrant answers it (a revoked one is returned);
	// a grant whose account is missing is ErrNotFound too, with the
	// grant still returned (a failed read of the grant returns none).
	GetGrantWithAccount(ctx context.Context, id string) (Grant, Account, error)
	// GetGrantByRefreshHash returns grant grantID if hash is one of the
	// refresh hashes it issued, current or rotated away (until the
	// retention sweep forgets it): ErrNotFound for a hash the grant never
	// had, whatever grant had it. Refresh tokens name their grant, so
	// this is how a token presented again is recognised.
	GetGrantByRefreshHash(ctx context.Context, grantID string, hash []byte) (Grant, error)
	// GetGrantByLegacyRefreshHash finds a grant by the hash alone, for a
	// refresh token that does not name its grant (issued before tokens
	// did). Only the hashes a store indexed then are sure to be found:
	// bbolt no longer indexes the hashes it writes by themselves,
	// PostgreSQL's refresh_hashes table is keyed by them anyway.
	GetGrantByLegacyRefreshHash(ctx context.Context, hash []byte) (Grant, error)
	// UpdateGrant writes what fn returns; a new RefreshHash is indexed in
	// the same transaction and old ones stay indexed.
	UpdateGrant(ctx context.Context, id string, fn func(Grant) (Grant, error)) error
	// RevokeGrantsByAccount revokes every grant of an account (sign out
	// everywhere) and returns how many it revoked.
	RevokeGrantsByAccount(ctx context.Context, accountID string) (int, error)
}

// Sessions stores the broker's browser sessions, keyed by the cookie's
// hash.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, hash []byte) (Session, error)
	UpdateSession(ctx context.Context, hash []byte, fn func(Session) (Session, error)) error
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessionsByAccount ends every session of an account.
	DeleteSessionsByAccount(ctx context.Context, accountID string) (int, error)
	// ListSessions returns the live sessions of an account (none for an
	// unknown one), in no particular order: an upstream's logout ends
	// those its sign-in started.
	ListSessions(ctx context.Context, accountID string) ([]Session, error)
}

// Factors stores an account's second factors (a TOTP key or a WebAuthn
// credential, sealed).
type Factors interface {
	// CreateFactor stores a factor (ErrAlreadyExists for a duplicate ID
	// or WebAuthn credential ID).
	CreateFactor(ctx context.Context, f Factor) error
	GetFactor(ctx context.Context, id string) (Factor, error)
	// GetFactorByCredentialID finds a WebAuthn factor by credential ID.
	GetFactorByCredentialID(ctx context.Context, credentialID []byte) (Factor, error)
	// ListFactors returns an account's factors, oldest first.
	ListFactors(ctx context.Context, accountID string) ([]Factor, error)
	UpdateFactor(ctx context.Context, id string, fn func(Factor) (Factor, error)) error
	// UpdateAccountFactor applies fn to an account and one of its
	// factors and writes both records it returns, or neither, in one
	// transaction serialised with every other update of either: the
	// failure regulator counts an answer and records the factor's use in
	// one durable write (mfa.Regulator.Check). ErrNotFound when either
	// is missing or the factor belongs to another account (fn is not
	// called); ErrConflict when fn changes a key or an indexed field
	// (CheckAccountFactor).
	UpdateAccountFactor(ctx context.Context, accountID, factorID string, fn func(Account, Factor) (Account, Factor, error)) error
	DeleteFactor(ctx context.Context, id string) error
}

// OTPs stores the one-time codes sent by email, and the rate-limit
// windows that cap how many are sent.
type OTPs interface {
	CreateOTP(ctx context.Context, o OTP) error
	// UpdateOTP finds a code by ID; expired codes are ErrNotFound.
	UpdateOTP(ctx context.Context, id string, fn func(OTP) (OTP, error)) error

	// Hit counts one event under key in a fixed window that starts at the
	// first hit and lasts window; it returns the count including this hit.
	// Rate limits (code sends per account per day, per address) use it.
	Hit(ctx context.Context, key string, window time.Duration) (int, error)
}

// LocalUsers stores the credentials of the built-in identity service.
type LocalUsers interface {
	// CreateLocalUser stores a credential of the built-in service
	// (ErrAlreadyExists when the ID, username or email is taken, by a
	// confirmed user or an unconfirmed one not yet expired).
	CreateLocalUser(ctx context.Context, u LocalUser) error
	GetLocalUser(ctx context.Context, id string) (LocalUser, error)
	GetLocalUserByUsername(ctx context.Context, username string) (LocalUser, error)
	GetLocalUserByEmail(ctx context.Context, email string) (LocalUser, error)
	// UpdateLocalUser writes what fn returns; a changed username or email
	// must stay unique (ErrConflict).
	UpdateLocalUser(ctx context.Context, id string, fn func(LocalUser) (LocalUser, error)) error
}

// Terms stores accounts' acceptances of clients' terms of use.
type Terms interface {
	// PutTermsAcceptance records a, replacing the account's earlier
	// acceptance of the same client's terms.
	PutTermsAcceptance(ctx context.Context, a TermsAcceptance) error
	// GetTermsAcceptance returns the account's latest acceptance of the
	// client's terms, or ErrNotFound.
	GetTermsAcceptance(ctx context.Context, accountID, clientID string) (TermsAcceptance, error)
}

// Organizations stores each client's organizations, with their members,
// invitation codes, activation code and ownership transfer in one record
// (Organization). Every method is scoped to one client: another client's
// organization reads as missing. An organization's record is checked
// (Organization.Validate) before every write.
type Organizations interface {
	// CreateOrganization stores a new organization: ErrAlreadyExists when
	// its ID, or its external number within the client, is taken.
	CreateOrganization(ctx context.Context, o Organization) error
	GetOrganization(ctx context.Context, clientID, id string) (Organization, error)
	// GetOrganizationByNumber finds the client's organization by its
	// external number.
	GetOrganizationByNumber(ctx context.Context, clientID, number string) (Organization, error)
	// GetOrganizationByInvitation finds the client's organization holding
	// an invitation whose code hashes to hash (used, revoked or expired
	// invitations included, while the record keeps them).
	GetOrganizationByInvitation(ctx context.Context, clientID string, hash []byte) (Organization, error)
	// ListOrganizations returns the client's organizations, by ID.
	ListOrganizations(ctx context.Context, clientID string) ([]Organization, error)
	// ListOrganizationsOf returns the client's organizations the account
	// owns or is a member of, by ID.
	ListOrganizationsOf(ctx context.Context, clientID, accountID string) ([]Organization, error)
	// UpdateOrganization runs fn on the record and writes what it returns
	// in one transaction, serialised with every other update of the same
	// organization; a changed external number must stay unique
	// (ErrConflict), and the client and ID may not change.
	UpdateOrganization(ctx context.Context, clientID, id string, fn func(Organization) (Organization, error)) error
}

// Audit is the append-only audit log.
type Audit interface {
	// AppendAudit adds an event to the audit log: ErrAlreadyExists if the
	// log holds an event with its ID, queued or stored (how Copy skips
	// the events it copied before).
	AppendAudit(ctx context.Context, e AuditEvent) error
	// AppendNewAudit adds an event whose ID was just drawn at random (the
	// broker's and the admin service's) without looking the ID up in the
	// stored log first, which AppendAudit does: a read per event, on
	// PostgreSQL a round trip of every sign-in. An ID still queued is
	// ErrAlreadyExists; one already stored keeps its first event (the
	// commit skips the second).
	AppendNewAudit(ctx context.Context, e AuditEvent) error
	// ListAudit returns events at or after since, oldest first, at most limit
	// (0: no limit).
	ListAudit(ctx context.Context, since time.Time, limit int) ([]AuditEvent, error)
}

// Maintenance is the backend's upkeep: expiry, health and shutdown.
type Maintenance interface {
	// Sweep deletes every record whose ExpiresAt is before now (auth
	// requests with their codes, sessions, grants with their refresh index, signing
	// keys with a non-zero ExpiresAt, OTPs, finished Hit windows,
	// unconfirmed local users past their ExpiresAt), the spent records
	// whose SweepEarlyAt is before now (revoked grants, consumed one-time
	// codes), and returns how many it deleted. Audit events are kept unless the
	// backend was opened with a Retention (then they count). A backend works
	// in small transactions, so a crash may leave part of it done; the
	// next Sweep does the rest.
	Sweep(ctx context.Context, now time.Time) (int, error)

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}

// Backuper is implemented by backends that copy themselves consistently
// while they serve (bbolt: one read transaction). Backup calls open once
// with the size of the copy, then writes exactly that many bytes to the
// writer open returns. A backend without it is backed up with its own
// tools (PostgreSQL: pg_dump).
type Backuper interface {
	Backup(ctx context.Context, open func(size int64) (io.Writer, error)) error
}

// HashToken is the SHA-256 of a high-entropy secret (code, refresh token,
// session cookie, generated client secret). These values carry at least
// 128 bits of randomness, so a fast hash suffices: nothing to brute-force.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

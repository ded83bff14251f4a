// Package postgres is Passerelle's scale-out store: PostgreSQL through
// pgx (pgxpool). Broker replicas share one database and stay stateless.
// It implements store.Store and passes the store/storetest conformance
// and concurrency suites (postgres_test.go runs them when
// PASSERELLE_TEST_POSTGRES_DSN is set, each test in a schema of its own).
//
// Store is composed like the contract: one small type per role of
// store.Store (clientRecords and flowRecords in records.go, factorRecords,
// otpRecords and auditLog in mfa.go, ... listed in roles.go), each over the
// shared base (the pool, the clock, the timeout), embedded in Store; Store
// itself keeps the maintenance methods (Ping, Close, Sweep, Export).
//
// # Tables
//
// Every record is its JSON encoding (the json tags of package store) in
// a jsonb column named record. Beside it are only the key and index
// columns the contract queries, written from the record on every insert
// and update, so the JSON stays the single source of what a record holds
// and a new record field needs no migration.
//
//	table              key                 index columns                     constraints
//	clients            id                  -
//	accounts           id                  urn                               urn UNIQUE
//	links              (provider, subject) account_id                        account_id → accounts
//	auth_requests      id                  expires_at, seq (WHERE evictable) UNLOGGED (Durability),
//	                                       (holder, seq) (WHERE NOT          counted, evictable kept
//	                                       evictable)                        by triggers (Bounds)
//	grants             id                  account_id, expires_at, sweep_at
//	refresh_hashes     hash (bytea)        grant_id                          grant_id → grants ON DELETE CASCADE
//	sessions           hash (bytea)        account_id, expires_at
//	signing_keys       id                  expires_at
//	factors            id                  account_id, credential_id,        credential_id UNIQUE (NULL when none)
//	                                       created_at
//	otps               id                  expires_at, sweep_at
//	hits               key                 count, expires_at (no record)
//	local_users        id                  username, email, expires_at       username, email UNIQUE (NULL when empty)
//	audit_events       id                  time
//	terms_acceptances  (account_id,        -
//	                    client_id)
//	legacy_accounts    (client_id,         username (folded)                 (client_id, username) UNIQUE
//	                    legacy_id)
//	legacy_links       (client_id,         legacy_id (NULL: none)            (client_id, legacy_id) UNIQUE,
//	                    account_id)                                          → legacy_accounts
//	client_records     (client_id,         key                               (client_id, key) UNIQUE
//	                    record_id)
//	record_links       (client_id,         record_id                         (client_id, record_id) UNIQUE,
//	                    account_id)                                          → client_records
//	assist_requests    id                  client_id, account_id, open,      (client_id, account_id) UNIQUE
//	                                       created_at                        WHERE open
//
// refresh_hashes holds every refresh hash a grant ever had, so a
// rotated-away token resolves to its grant (reuse detection); the grant's
// deletion takes them along. It is keyed by the hash, which both lookups
// use: GetGrantByRefreshHash with the grant the token names,
// GetGrantByLegacyRefreshHash alone (a token that does not name its
// grant; bbolt, which has no such key, finds only what it indexed
// before). A NULL expires_at never expires.
// terms_acceptances keeps the latest acceptance of a client's terms per
// account: PutTermsAcceptance is one INSERT ... ON CONFLICT DO UPDATE,
// so the table holds at most one row per (account, client).
//
// # Contract errors
//
// Uniqueness is the database's: a create that violates a primary key or
// unique constraint (SQLSTATE 23505) is store.ErrAlreadyExists, an update
// that does (a taken URN, refresh hash or credential ID) is
// store.ErrConflict, and a link to a missing account (23503, foreign key)
// is store.ErrNotFound. Errors wrap the sentinels with %w.
//
// # Expiry
//
// Auth requests, sessions, grants, one-time codes and unconfirmed
// local users whose expires_at is before the store's clock (Options.Now, never the
// database's now(), so tests can move time) read, update and delete as
// missing: the condition is part of each query. Sweep deletes the expired
// rows of every kind with an expiry through each table's expires_at
// index, at most SweepBatch rows per statement (DELETE ... WHERE ctid IN
// (SELECT ctid ... LIMIT n)), each statement its own transaction, so the
// hot path's writes never wait for a whole sweep. With Options.Retention
// it deletes audit events older than its AuditEvents (audit_events_time
// index) and refresh hashes rotated away (retired_at, stamped by
// UpdateGrant) longer than its RefreshHistory ago, by the same bounded
// statements. Spent rows go before their expiry: sweep_at (NULL for most
// rows, hence a partial index) is a revoked grant's RevokedAt plus
// store.RevokedGrantKept and a consumed one-time code's CreatedAt (the
// records' SweepEarlyAt), and Sweep deletes the rows whose sweep_at has
// passed by the same statements. timestamptz keeps microseconds, so expiry is decided to
// the microsecond.
//
// # Locking
//
// UpdateX first tries a compare-and-swap: SELECT record, xmin (the row
// version) without a lock, fn, then UPDATE ... WHERE key AND xmin = the
// version read, each statement committing alone (two round trips, where a
// transaction takes four). When another write changed the row between
// the two, the UPDATE touches nothing and the swap starts again, with fn
// run again on what the other wrote (the store contract allows it).
// UpdateGrant swaps too: its write is one statement whose CTEs update the
// grant at its version, index a new refresh hash and stamp the old one
// retired, so a refresh is two round trips (was six); a new hash already
// indexed (a grant coming back to one of its own, or another grant's)
// aborts that statement and takes the transaction below. After
// swapTries (3) lost swaps, and always for the other updates that maintain
// side tables (UpdateLocalUser, the organization and assist-request
// updates), it runs one transaction at READ
// COMMITTED: SELECT ... FOR UPDATE on the live row, fn, UPDATE. Either
// way two racing updates of one record (a code redeemed twice, a refresh
// token presented twice) take effect one after the other, and the second
// fn sees what the first wrote (storetest's UpdatesCountAll).
//
// The broker reads an auth request before each update of it, an
// account and its factors before the TOTP answer's UpdateAccountFactor,
// and a refresh reads the grant by its refresh hash before rotating it:
// those reads (GetAuthRequest, GetAuthRequestWithAccount,
// GetLinkWithAccount, GetAccount, ListFactors, GetGrantByRefreshHash)
// return the row's version and expiry too, and
// the store remembers the rows (seen.go: at most maxSeen, each taken by
// the first update of its key), so that the update's first swap starts
// from them instead of reading again: one statement instead of two
// (UpdateAccountFactor only when both of its rows were remembered). Its UPDATE ... WHERE xmin writes only if the
// row is still the version read, so a row another replica (or this one)
// changed meanwhile costs one statement more and is read again as
// without the memory; a row remembered past its expiry is not used
// (ErrNotFound, as the read would answer). fn runs at most swapTries+2
// times per call (the remembered row's, then as before). UpdateAccountFactor swaps both
// records at once: one SELECT reads both with their versions, fn, then
// one statement updates each at its version, the account's row first,
// and aborts (a division by zero, on purpose: bothOrNeither) when only
// one of the two was still at its version, so both or neither are
// written; two round trips, where its transaction takes six. After
// swapTries lost swaps it runs that transaction: it locks the account's
// row, then the factor's, applies fn and writes both (one commit); every
// statement or transaction that locks both takes them in that order, so
// none deadlocks, and a compare-and-swap of either record meanwhile finds
// its row version changed and starts again (storetest's
// AccountFactorUpdatesSerialise).
//
// Grants, accounts and factors come back as the text of their jsonb
// column, and a text decoded before is not decoded again: the decoded
// cache both stores share (store/internal/decoded), keyed by the text
// itself, so a row another replica changed has another text and is
// decoded anew.
//
// Creates rely on the
// constraints instead of locks: of two racing first sign-ins, the second
// INSERT into links waits for the first transaction and then fails with a
// unique violation (CreateLocalUser first deletes the expired
// registrations that would block it). CreateGrant is one statement
// (INSERT INTO grants ... RETURNING feeding the refresh index's INSERT),
// so of two redemptions of one code the second meets the grant's key.
// Hit is a single INSERT ... ON CONFLICT DO UPDATE; RevokeGrantsByAccount
// and DeleteSessionsByAccount are single statements.
//
// # Durability
//
// What a sign-in commits and waits for is a WAL flush (synchronous_commit
// on, the server's default): the grant whose creation spends the code,
// the SSO session, and the TOTP answer (the account's failure count and
// the factor's step in one UpdateAccountFactor transaction). Two kinds
// of write skip the wait:
//
//   - auth_requests is UNLOGGED (00010): a transaction that writes only
//     it writes no WAL, so its COMMIT does not wait for a flush. After a
//     server crash PostgreSQL empties the table: the sign-ins in progress
//     start again, and a code issued but not yet redeemed is refused
//     (invalid_grant; the client starts a new authorization). A clean
//     stop keeps it; a standby does not have it (a promoted standby starts
//     with none). Row locks and the primary key work as in any table, so
//     a step, a code or an upstream callback is still used once across
//     every replica.
//   - the audit log is appended by a group commit (store.AuditQueue): one
//     INSERT ... SELECT FROM unnest of up to store.AuditBatch events, the
//     first as soon as the writer is idle. A crash of a replica loses the
//     events it had queued and not yet inserted (a round trip's worth,
//     about a millisecond, at most store.AuditPending), never an event
//     before one kept (storetest.AuditCrash kills a replica appending and
//     checks); Close inserts them all. ListAudit, Export and Sweep flush this replica's queue
//     first, so a replica reads its own events; another replica's events
//     appear once its writer inserted them (a few milliseconds).
//
// # Bounds
//
// An anonymous visitor can start sign-ins, so auth_requests holds at most
// Options.MaxAuthRequests (DefaultMaxAuthRequests, 100,000: about 200 MB
// at 2 KB each) across every replica, as a bbolt store does in memory. Its
// number is kept without a count(*): statement-level triggers (migration
// 00011) add what each INSERT adds and subtract what each DELETE (Sweep
// included) removes in auth_request_counts, one row per slot (the backend's
// process ID modulo 64, so connections seldom wait for each other), in the
// same transaction; both tables are UNLOGGED and a crash empties them
// together. CreateAuthRequest is one INSERT ... SELECT ... WHERE the sum of
// the slots is below the cap. At the cap it makes room in one statement:
// it deletes the expired requests (up to SweepBatch), or when there are
// none the oldest evictable request, by seq, the creation order, through
// a partial index, skipping rows another replica is deleting (SKIP
// LOCKED), then inserts. A request is evictable until its person passes a
// credential (an account named, or a first-time upstream identity
// waiting: the holder column, store.AuthRequest.Holder), and again once
// it is beyond its holder's store.MaxHeldAuthRequests (8) newest: triggers
// of migration 00012 set evictable when a request is created or its
// holder changes, and then, in the same statement, make the holder's
// protected requests beyond its 8 newest evictable (an index probe of at
// most 9 rows; no statement more).
// A demoted request stays evictable. Replicas passing one holder's
// credential at the same moment may each miss the other's request, so
// the holder may keep one more per such pass in flight, until its next
// (TestHeldAcrossReplicas). A flood of anonymous sign-ins never
// refuses a new one and never ends a person's 8 newest past their
// credential; one holder passing its credential in many sign-ins it never
// finishes (its own account at a public upstream, one stolen password)
// keeps 8, so filling the table takes MaxAuthRequests/8 holders. A flood
// can end a person's sign-in still at the chooser or the upstream's page,
// after MaxAuthRequests newer ones. Only a table whose every request is
// protected refuses, and the broker answers temporarily_unavailable: when
// the statement that makes room finds nothing (its snapshot predates what
// replicas making room at once evicted and created), a fresh read
// decides, and the create tries again while anything is evictable.
// Replicas inserting at the same moment read the same sum, so the table
// may exceed the cap by the creates in flight (at most the replicas' pool
// sizes).
// The counts take two row versions per sign-in (its create and its
// delete); a snapshot held for long (a long pg_dump, a transaction left
// open) keeps them from being reclaimed, and every create's sum reads the
// versions kept, so creates slow down until it ends.
//
// Writes, Statements and AuditCommits count what the store sent (a pgx
// query tracer), for tests and the bench; Statements leaves the audit
// queue's commits to AuditCommits. A returning person's sign-in is 2
// durable writes in 11 statements (the bench's count): the
// authorization request inserts the auth request; the upstream's
// callback reads the request, then the link with its account and the
// account's factors in one statement (GetLinkWithAccount), then
// updates the request; the challenge page reads the request with the
// account and its factors in one statement (GetAuthRequestWithAccount),
// and its answer too, then swaps the account and the factor
// (UpdateAccountFactor) and updates the request; the token exchange
// reads the request, creates the grant with the SSO session and reads
// the account after (a lock that came meanwhile wins).
// TestReturningSignInWritesPostgres holds it to 14: its sign-in reads
// the request twice more on its way to the upstream (the chooser's page
// and the choice), and the signing keys, whose cache its clock has moved
// past. It was 44 before the updates started from the rows already
// read, the session joined the grant's statement, the sign-in's audit
// event stopped being looked up before it was queued, and 17 before the
// link, the account, its factors and the request were read together. A
// refresh is 2 statements (the
// grant read by the ID its token names, then the rotation's
// compare-and-swap; was 3), an introspection 1 (the
// grant joined to its account, GetGrantWithAccount; was 2, the grant
// then its account), and under load less than one: reads of grants
// with their accounts asked for while one such statement runs wait for
// it to end and then go together in the next, one statement reading
// every grant asked for (coalesce.go; one statement of them at a time,
// at most 64 grants each; a lone read goes at once, and a queue whose
// oldest read has waited 100 ms goes in a statement beside the one
// running, up to 4, for as long as a read or a statement has stalled,
// so that a statement stuck on a dead connection does not hold up every
// read; a queued read waits under the query timeout, like a statement).
// A statement of queued reads begins after each of them was asked, so a
// grant revoked before its introspection reads revoked
// (TestGrantReadAfterRevocation); reads never join a statement already
// sent. With 16 readers on 2 cores
// (BenchmarkHotPaths/introspection) a statement read 8 grants, and a
// read took 25–27 µs instead of 28–33. pgx prepares every statement
// once per connection and reuses it (its default statement cache), so
// no statement is parsed and planned per call.
//
// # Connections
//
// The pool holds at most Options.MaxConns connections, else the DSN's
// pool_max_conns, else DefaultMaxConns (16): a broker's concurrent
// requests each hold one for a statement's round trip, and with fewer
// (pgxpool's default is 4 on 2 cores) they queue for a connection while
// the server has time to spare (BenchmarkHotPaths).
//
// # Timeouts
//
// Every method runs under Options.QueryTimeout (DefaultQueryTimeout, 5 s):
// one statement, or one whole transaction from BEGIN to COMMIT. A query
// blocked longer (on a row lock, a saturated pool, an unreachable server)
// fails with context.DeadlineExceeded; the caller's context still applies.
//
// # Migrations
//
// The schema is a series of goose SQL migrations embedded in the binary
// (migrations/). Open applies the missing ones, and Migrate does the same
// alone (for a "store migrate" command). Both hold a PostgreSQL
// session-level advisory lock while they run, so processes starting
// together migrate one at a time and each migration applies once. The
// tables live in the first schema of the connection's search_path (add
// search_path=NAME to the DSN to choose it). A database whose schema is
// newer than this binary's migrations is refused, not misread.
//
// Replicas of different versions must not share a database across a
// migration that changes what the older one uses: 00002 drops the codes
// table (codes moved onto their auth requests), so upgrade every replica
// together past it. Sign-ins in flight at the switch start again.
// 00003 only adds the terms_acceptances table, which older replicas do
// not read; but a replica restarting on an older binary refuses the
// newer schema, as above. 00004 renames the fields of client records
// (auth_method, id_token_alg and the mfa_* fields become the client
// metadata names of store.Client): upgrade every replica together past it,
// or clients stored at run time read without their auth method on the
// older ones. 00006 adds sweep_at to grants and otps; an older replica
// writes it NULL, so what it revokes waits for its expiry. 00010 makes
// auth_requests UNLOGGED (a rewrite of the table, which holds only
// sign-ins in progress). 00011 adds auth_requests' cap (Bounds); an older
// replica inserts without checking it (its rows count all the same) and
// leaves the requests it signs in to evictable: upgrade every replica
// together past it. 00012 adds the holder column and its triggers; an
// older replica writes evictable itself and no holder, so the requests it
// signs in to are protected without the bound per holder: upgrade every
// replica together past it. Requests past their credential at the upgrade
// stay protected, with no holder, until updated or expired (minutes).
package postgres

// Package bolt is Passerelle's embedded default store: one bbolt file,
// crash-safe, no other process to run. It implements store.Store and
// passes the store/storetest conformance and concurrency suites.
//
// Store is composed like the contract: one small type per role of
// store.Store (clientRecords in clients.go, accountRecords in accounts.go,
// ... listed in roles.go), each over the shared base (the file, the clock,
// the retention), embedded in Store; Store itself keeps the maintenance
// methods (Ping, Close, Sweep, Export, Backup).
//
// # Layout
//
// Every record is JSON (the json tags of the store package) in one bucket
// per kind; secondary indexes live in their own buckets. Composite keys
// are built from length-prefixed parts (uvarint length, then bytes), so no
// two tuples share an encoding and the encoding of a leading part is a
// prefix that selects exactly its entries. Grants, accounts and factors,
// read at every sign-in, introspection and refresh, are decoded once: a
// read that finds bytes decoded before takes the decoded record
// (store/internal/decoded; at most 4,096 per kind, compared byte for
// byte).
//
//	bucket                   key                              value
//	meta                     "schema_version"                 decimal version (SchemaVersion)
//	clients                  client ID                        Client
//	accounts                 account ID                       Account
//	links                    (provider, subject)              Link
//	auth_requests            auth request ID                  AuthRequest (files before auth requests moved to memory; Sweep empties it)
//	grants                   grant ID                         Grant
//	sessions                 Session.Hash (sessionKey)        Session
//	signing_keys             key ID                           SigningKey
//	factors                  factor ID                        Factor
//	otps                     one-time code ID                 OTP
//	hits                     rate counter key                 {key, count, start, expires_at}
//	audit                    timeKey(Time) + event ID         AuditEvent
//	local_users              local user ID                    LocalUser
//	terms_acceptances        (account ID, client ID)          TermsAcceptance
//	organizations            (client ID, organization ID)     Organization
//	legacy_accounts          (client ID, legacy ID)           LegacyAccount
//	legacy_links             (client ID, account ID)          LegacyLink
//	client_records           (client ID, record ID)           ClientRecord
//	record_links             (client ID, account ID)          RecordLink
//	assist_requests          request ID                       AssistRequest
//	idx_account_by_urn       URN                              account ID
//	idx_links_by_account     (account ID) + links key         empty
//	idx_grants_by_account    (account ID) + grant ID          empty
//	idx_sessions_by_account  (account ID) + session hash      empty
//	idx_grant_by_refresh     legacy refresh hash              grant ID
//	idx_refresh_by_grant     (grant ID) + refresh hash        empty, or timeKey(rotated away)
//	                         (grant ID)                       current refresh hash, once rotated
//	idx_factors_by_account   (account ID) + created + ID      empty
//	idx_factor_by_cred       WebAuthn credential ID           factor ID
//	idx_audit_by_id          event ID                         audit key
//	idx_local_by_username    username                         local user ID
//	idx_local_by_email       email                            local user ID
//	idx_org_by_number        (client ID, external number)     organization ID
//	idx_orgs_by_account      ((client ID, account ID)) + ID   empty
//	idx_org_by_invitation    (client ID, invitation hash)     organization ID
//	idx_legacy_by_username   (client ID, folded username)     legacy_accounts key
//	idx_legacy_link_by_id    (client ID, legacy ID)           legacy_links key
//	idx_record_by_key        (client ID, key)                 client_records key
//	idx_record_link_by_record (client ID, record ID)          record_links key
//	idx_assist_open          (client ID, account ID)          open request's ID
//	idx_expiry               timeKey(expiry) + tag + key      empty
//	idx_refresh_retired      timeKey(rotated) + (grant) + hash empty
//
// A terms acceptance is put, not created: the latest replaces the one
// stored for its (account, client), so the bucket holds at most one
// record per pair; the history is the audit log's.
//
// timeKey is 12 bytes whose order is time order: Unix seconds with the
// sign bit flipped, then nanoseconds, big-endian; "created" above is
// timeKey(CreatedAt). ListFactors is a prefix scan (oldest first, ties by
// ID); ListAudit is a cursor seek to timeKey(since). idx_audit_by_id
// makes event IDs unique.
//
// idx_refresh_by_grant keeps every hash a grant ever had under the grant,
// so a rotated-away token presented again, which names its grant, is
// recognised (GetGrantByRefreshHash; reuse detection revokes the family),
// and Sweep removes them all with the grant. Its value is empty for the
// current hash and timeKey(rotated away) for the others, each of which
// idx_refresh_retired lists under that time. The grant's own prefix, as
// a key, holds the current hash once the grant has been rotated, in
// place of the record's (currentRefresh): a rotation writes the grant's
// entries there and not its record. idx_grant_by_refresh holds
// the hashes of tokens issued before tokens named their grant, written
// by earlier versions (GetGrantByLegacyRefreshHash): nothing adds to it
// now, and Sweep and retention delete its entries with the rest. A grant
// Copy brings into a bbolt file is found only through its ID, so a
// copied token that does not name its grant no longer refreshes: its
// holder signs in again.
//
// # Retention
//
// With Options.Retention, Sweep also deletes the audit events older than
// Retention.AuditEvents (a prefix of the audit bucket, with their
// idx_audit_by_id entries) and forgets the refresh hashes rotated away
// more than Retention.RefreshHistory ago (a prefix of
// idx_refresh_retired), in transactions of at most SweepBatch keys.
// Hashes rotated away before this version have no rotation time: they
// go with their grant.
//
// # Expiry
//
// Auth requests, sessions, grants and one-time codes whose
// ExpiresAt is before the store's clock (Options.Now) read, update and
// delete as missing (store.ErrNotFound); a zero ExpiresAt never expires.
// A rate counter's window ends by the same rule: the first Hit after
// start+window (strictly) starts a new window at count 1. Sweep deletes
// all of these, and signing keys past a non-zero ExpiresAt, with their
// index entries; it never deletes factors, terms acceptances or audit
// events. Create refuses a key held by an expired record not yet swept.
//
// idx_expiry lists every record Sweep may delete under the time it
// becomes due, then a one-byte tag naming its kind (a auth request, g
// grant, s session, k signing key, o one-time code, h rate counter, u
// local user), then its primary key. Every write of such a record (save,
// saveOver) and every delete (drop) moves or removes its entry in the
// same transaction, so Sweep reads only the prefix before timeKey(now),
// never a record that has not expired. It works in transactions of at
// most SweepBatch deleted keys, so the hot path's writes interleave with
// a long sweep instead of waiting for it; a crash between two leaves the
// rest for the next Sweep.
//
// A record's time in idx_expiry is its sweep time, which comes before its
// expiry for spent records: a revoked grant goes store.RevokedGrantKept
// after its RevokedAt (stamped by every write that revokes), a consumed
// one-time code at the next Sweep (store's SweepEarlyAt). Until then
// they read as they are (revoked, consumed).
//
// A local user expires only while unconfirmed: past its ExpiresAt it
// reads as missing and no longer reserves its ID, username or email.
// CreateLocalUser (and UpdateLocalUser moving to a username or email an
// expired user holds) deletes that expired holder with its index entries
// in the same transaction and takes its place; Sweep deletes the rest. A
// confirmed user never expires, whatever its ExpiresAt says.
//
// New buckets are created at Open (CreateBucketIfNotExists on every
// Open), so a file written before they existed needs no schema bump,
// unless they index existing records: then SchemaVersion goes up and
// upgrades gets the function that fills them, run by Open in its own
// transaction (version 2 built idx_expiry). A change to what existing
// records mean bumps it too: version 3 renamed the client record's fields,
// and so does a change an earlier Passerelle would misread: version 4
// stopped indexing new refresh hashes by themselves, which an earlier
// version's lookups rely on; version 5 kept a rotated grant's current
// refresh hash outside its record, which an earlier version would read
// as current.
//
// # Durability
//
// Every write is a bbolt read-write transaction committed with fsync
// before the method returns: about 0.4 ms per commit on this project's
// machines (BenchmarkCommit), 1 ms and more when other processes write.
// Writes go through a group commit (commit.go): a write that finds no
// commit running commits at once; those that arrive while one runs queue,
// and the first of them commits them all in one transaction as soon as it
// ends, after yielding the processor once so that the writers ready to
// run queue first. Under load a commit carries every write that arrived
// during the one before, so sign-ins and refresh grants cost a fraction
// of an fsync each (BenchmarkSignInWrites; BenchmarkSignInCommits and
// BenchmarkRefreshRotation report writes and pages per commit and a
// write's p50 and p99 wait), and no write waits for company it might not
// get: there is no timer (db.Batch waited 1 ms for company, closed its
// batch then, and still waited for the commit before it; 16 refresh
// clients made 5 grants per commit with it, 12 now). Writes counts the
// writes, Commits the commits.
//
// What a commit costs beyond its two fdatasyncs is its pages. A refresh
// rotation of one grant among many dirtied two leaves of its own, each
// with its branch page: the grant's and its entries' in
// idx_refresh_by_grant (idx_refresh_retired is in time order: one leaf
// for the whole commit). Each new hash was also indexed by itself in
// idx_grant_by_refresh, a third leaf; tokens name their grant, so it is
// no longer written: BenchmarkRefreshRotation, on 50,000 grants, 77-78
// pages per commit of 12 rotations before, 54-55 after, and 372-413 µs
// per rotation before, 323-359 after (two runs each, with another test
// run on the machine). The current hash then moved beside the grant's
// other hashes (currentRefreshKey), so a rotation no longer writes the
// grant's record: 52-61 pages per commit of 12-14 rotations before, 31-34
// after, and 160-178 µs per rotation before, 117-155 after (three
// alternating runs each, on a faster machine);
// BenchmarkSignInCommits, then on an empty file with sequential IDs,
// 39.5 pages per commit of 12 writes before, 31.8 after. On a file that
// holds 50,000 sign-ins' grants and sessions, a commit of about 11
// writes (about five sign-ins) wrote 118-127 pages while the broker's
// IDs were random: some 22 per sign-in, for the ten leaves of its own a
// sign-in dirtied (the grant, its account and refresh entries, the
// session, the one it replaces, their account and expiry entries, the
// factor, the audit event's ID) with their branch pages. That, and not
// the fdatasyncs alone, is what a large file's sign-in commits cost. The
// IDs of auth requests (so of grants) and of audit events now begin with
// the time they were made (the broker's orderedID), and so do sessions'
// keys (its sessionKey): the sign-ins of a commit share the newest leaves
// of grants, idx_refresh_by_grant, sessions and idx_audit_by_id. The
// buckets whose keys so arrive in order split their pages full to 90%
// (appendOrdered), where bbolt's half would leave every page half full.
// BenchmarkSignInCommits, each sign-in replacing a session made hours
// before, two alternating runs of each: with everything random and
// bbolt's split, 129-130 pages per commit of 11 writes, 437-445 µs a
// sign-in, a write's median wait 3.3-3.5 ms; with ordered grant and
// audit IDs, sessions still keyed by the hash alone, 96-97 pages,
// 310-335 µs, 2.4-2.5 ms; with sessions ordered too, as it runs now,
// 85-86 pages, 272-310 µs, 2.0-2.3 ms. The session replaced, the account
// and the factor (updated where they are) and the entries by account
// stay each sign-in's own. Sessions split their pages at bbolt's half
// all the same (they are not in appendOrdered): cookies made before
// still come in at random, and sessions are deleted all over (each
// sign-in replaces one), where pages packed to 90% split again at each
// insert (TestFreelistRebuiltAtOpen saw its file grow by 8%). Keys that arrive in order would leave every page
// half full at bbolt's split; the buckets that take them split full to
// 90% (appendOrdered), which keeps the file smaller than random IDs did.
//
// The file's freelist (the pages free for reuse) is not written at each
// commit (bbolt's NoFreelistSync, with its hashmap freelist: fileOptions).
// A commit still writes its pages, fdatasyncs, writes its meta page and
// fdatasyncs again before the write returns: what a commit wrote is
// durable, a crash keeps every committed write (a second-factor failure
// count, a spent code, a rotated refresh token) and loses none. What the
// option drops is the list of free pages, which bbolt rebuilds at Open by
// walking every page the records use (TestFreelistRebuiltAtOpen; the
// crash test reopens a file killed mid-commit and runs bbolt's
// consistency check on it). Open pays that walk: 0.7 s for a 395 MB file
// of 200,000 grants and as many sessions on this project's machines,
// against 4 ms with the list stored. The commit saves rewriting the whole
// list every time, which grows with the free pages: with 31,000 free pages
// (half of those grants deleted) the list is 61 pages, and a lone commit
// took 3.3 to 3.6 ms instead of 5.4 to 6.2 ms (two runs each, beside
// other benchmarks). bbolt's other options that skip a sync stay off:
// NoSync would skip both fdatasyncs, NoGrowSync the fsync that makes a
// grown file's new size durable.
//
// Two kinds of record skip the file's commit:
//
//   - auth requests (the sign-ins in progress, carrying their code's
//     hash) live in memory (transient.go), a mutex-guarded map of
//     records deep-copied in and out (store.AuthRequest.Clone; no JSON on
//     the way, save for a request whose code is issued, kept as its JSON
//     while it waits out the code's lifetime, which spares the garbage
//     collector most of the broker's live heap: transient.go says how
//     much): Open's exclusive lock makes a bbolt broker one process, so
//     the mutex makes each update as atomic as a transaction, and a code,
//     a step or an upstream callback is used once as before. It holds at most
//     Options.MaxAuthRequests (DefaultMaxAuthRequests, 100,000: about
//     200 MB at 2 KB each). A create that finds the table full first
//     drops the expired ones (it walks the table for them only once the
//     soonest expiry it holds has passed, so a flood at the bound costs
//     no walk per create), then evicts the oldest request not
//     protected. A request is protected once its person has passed a
//     credential (an account named, or a first-time upstream identity
//     waiting: its holder, store.AuthRequest.Holder), while it is among
//     its holder's store.MaxHeldAuthRequests (8) newest: when another of
//     the holder's requests passes its credential, the oldest beyond 8
//     becomes evictable again, for good (the table keeps each holder's
//     protected keys, so a create or an update does O(8) work, no scan).
//     A flood of anonymous sign-ins never refuses a new one and never ends
//     a person's 8 newest past their credential; one holder passing its
//     credential in many sign-ins it never finishes (its own account at a
//     public upstream, one stolen password) keeps 8, so filling the table
//     takes MaxAuthRequests/8 holders. A flood can end a person's sign-in
//     still at the chooser or the upstream's page, after MaxAuthRequests
//     newer ones (at 1,000 new ones a second, 100 seconds later). Only a
//     table whose every request is protected refuses, and the broker
//     answers temporarily_unavailable.
//     A crash or a restart loses them all: sign-ins
//     in progress start again, and a code issued but not yet redeemed is
//     refused (invalid_grant).
//   - audit events are appended by a group commit (store.AuditQueue): the
//     writer commits what is queued, up to store.AuditBatch events per
//     transaction, as soon as it is idle. Its batch goes through the
//     writes' group commit (commitAudit), so under load it rides in their
//     commit instead of taking the write lock for one of its own, which
//     they waited for (with a sign-in's event each, 16 sign-ins made 5.5
//     writes per commit with it, 8.5 without). A crash loses the events
//     queued and not yet committed: those appended during the commit before
//     (about one fsync, 0.4 ms to a few ms under load), never more than
//     store.AuditPending, and never an event before one kept: the file
//     holds exactly the first events appended, in order
//     (storetest.AuditCrash, on both stores, kills a process appending as fast
//     as it can, the queue always full, and finds it lost at most
//     AuditPending). Close commits them all; ListAudit, Export,
//     Backup and Sweep commit the queue first. AuditCommits counts them.
//
// A returning person's sign-in (upstream, TOTP, token exchange) is 2
// durable writes, down from 9, then 3 (TestReturningSignInWrites counts
// them): the TOTP answer (the account's failure count and the factor's
// step in one UpdateAccountFactor), and the grant with the SSO session
// and the deletion of the browser's previous one in one transaction
// (CreateGrantWithSession, at the token exchange).
//
// A shared commit that fails runs each of its write functions again in a
// commit of its own, so write functions derive everything from their
// transaction, and update callbacks may run more than once (the store
// contract allows it). A write that ends in a contract error (not found,
// already exists, or the callback's own error) checks before it writes
// and reports the error without failing the commit, so one refused write
// does not roll back and re-run the writes that share its commit.
//
// Open takes an exclusive lock on the file: a second process (or a second
// Open in the same process) fails after Options.Timeout with an error
// naming the file.
package bolt

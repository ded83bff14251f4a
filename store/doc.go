// Package store owns Passerelle's persistent state: the Store interface every
// backend implements, the record types it holds, the sentinel errors of its
// contract (ErrNotFound, ErrAlreadyExists, ErrConflict) and the AEAD sealing
// of secrets at rest (Sealer).
//
// Store is composed of role interfaces, one per area: Clients,
// SigningKeys, Accounts (with their links), AuthRequests, Grants,
// Sessions, Factors, OTPs (with the Hit rate-limit windows), LocalUsers
// (the built-in service), Terms, Organizations, Audit and Maintenance
// (Sweep, Ping, Close). Store embeds them all, so callers take a Store; a backend
// implements each role on its own type and composes them the same way.
// Optional capabilities stay apart: Exporter and Backuper.
//
// What is stored hashed and what is sealed:
//
//   - authorization codes, refresh tokens, session cookies and client
//     secrets are high-entropy random values; the store only ever sees their
//     SHA-256 (HashToken), so a copy of the database yields nothing usable;
//   - signing keys are sealed with AES-256-GCM under the master key, with
//     the record kind and ID as associated data, so a sealed blob moved to
//     another record does not open.
//
// Records that live for one sign-in (auth requests, which carry the
// authorization code's hash once it is issued) carry an
// ExpiresAt; Sweep deletes them, and grants, refresh tokens and sessions
// past their own expiry, reading only what has expired, in small
// transactions. Retention (configured as store.retention) adds what Sweep
// deletes although it never expires: audit events past their retention
// (400 days by default) and refresh tokens rotated away long enough ago.
// Spent records go before their expiry (spent.go): a revoked grant
// RevokedGrantKept after its revocation (long enough that the code which
// made it has expired), a consumed one-time code at the next Sweep. A
// redeemed authorization code is not deleted early: its auth request
// lives out the code's lifetime (at most MaxCodeLifetime), so a second
// presentation meets the grant and revokes it (RFC 6749 §4.1.2).
//
// Reads that go together are one method: GetGrantWithAccount returns a
// grant and its account from one statement (PostgreSQL) or one read
// transaction (bbolt), as introspection and userinfo need both;
// GetLinkWithAccount returns a link with its account and the account's
// factors, as the upstream's callback needs all three, and
// GetAuthRequestWithAccount an auth request with them, as every
// second-factor page does.
//
// Client is the one model of a relying party for the whole program: the
// configuration file's clients[] entries, the admin API's JSON and the
// stored record share it, and its Validate (with ClientRules for what
// depends on the deployment) is the one set of rules.
//
// Updates follow Dex's storage contract: UpdateX(ctx, id, fn) runs fn on
// the current record inside one backend transaction and writes what fn
// returns, so read-modify-write sequences (refresh rotation, code
// redemption) are atomic on every backend. fn may run more than once when a
// backend retries a transaction; it must not have side effects.
//
// An organization (Organization) is one record with its members,
// invitations, activation code and ownership transfer, scoped to its
// client: every method takes the client, so another client's records read
// as missing. "Exactly one owner" is the record's shape (one Owner field,
// never also a member), checked by Validate before every write, and every
// change is one UpdateOrganization, serialised per organization by the
// backend; the bound on members (MaxOrgMembers) keeps the record small
// enough to rewrite at each change (BenchOrganizations measures it).
//
// # Durability
//
// A method returns once its write is durable (a bbolt commit with fsync,
// a PostgreSQL commit with its WAL flushed), except for two kinds of
// record that only serve a sign-in in progress or can afford to trail by
// milliseconds:
//
//   - auth requests (with their code's hash) may be lost by a crash:
//     bbolt keeps them in memory (bounded), PostgreSQL in an UNLOGGED
//     table emptied after a server crash. A crash then ends the sign-ins
//     in progress (they start again) and refuses the codes not yet
//     redeemed, and with them the SSO sessions those sign-ins opened,
//     which are stored with the grant a code's redemption creates
//     (Grants.CreateGrantWithSession): the browser holds a cookie that
//     finds no session, and its next sign-in authenticates again. Single use does not depend on durability: a step, a code
//     and an upstream callback are used once while the process (bbolt) or
//     the server (PostgreSQL) runs, and after a crash the record is gone,
//     which refuses them too.
//   - audit events (AppendAudit, AppendNewAudit) are queued and written
//     by a group commit (AuditQueue): up to AuditBatch events per
//     commit, started as soon as the previous one ends. A crash loses the
//     events appended and not yet committed, those of about one commit's
//     time (0.4 ms to a few ms) and never more than AuditPending; a clean
//     Close loses none. Reads of
//     the log (ListAudit, Export, Sweep's retention) flush the queue first.
//
// Everything else (accounts, links, factors and their counters, grants
// and refresh families, sessions, spent codes) is durable when the method
// returns. Each backend's doc says how, with its counts per sign-in.
//
// Backends live in sub-packages (store/bolt, the embedded default, and
// store/postgres) and all run the conformance suite in store/storetest.
package store

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
// Backends live in sub-packages (store/bolt, the embedded default, and
// store/postgres) and all run the conformance suite in store/storetest.
package store

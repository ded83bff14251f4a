// Package admin owns Passerelle's administration operations: relying
// parties kept in the store (add, update, remove, rotate secret, list),
// accounts found by their User Reference Number (show, lock, unlock, reset
// second factors, unlink a credential), signing keys (list, rotate),
// the organizations of clients that have them (create, list, show, add a
// member, change a role, remove a member, make the owner, invite, revoke
// an invitation, export activation letters, void a pending organization's
// letters: orgs.go), through the same
// rules as people's own changes (package orgs), unbound by the role table
// but never making a second owner, and
// the legacy accounts of clients with the legacy step (import a file,
// show and delete an account's answer; legacy.go), and the record files
// of clients with the record step (import a file; show and delete an
// account's link; list and resolve the requests for an agent's help, by
// linking the record or closing the request; records.go).
//
// An import file (legacy accounts, records) is CSV or a JSON array of
// objects, at most MaxImportFileBytes and MaxImportRows. What is wrong
// with it, as a whole or row by row, is a Problem: a key of the import
// catalogue (importmsg.go) and its arguments, English in the API's
// answers and English or French in the import commands' reports. A JSON
// object naming a field twice is a bad row, not "the last one wins".
//
// Service holds the operations; the CLI (cmd/passerelle) and the admin
// HTTP API (Service.Handler) both call it, so they cannot drift apart.
// Every change appends an audit event with Actor "admin" and a Kind under
// "admin." (admin.client.add, admin.account.lock, admin.keys.rotate, ...).
// A failure to record the event is logged at error level but does not
// fail the operation: the change has been made, and reporting a failure
// would invite a retry (and lose a new client's secret, shown only once).
//
// Locking an account ends its SSO sessions and revokes its grants, so a
// lock takes effect at once, not at the next sign-in; Unlock clears the
// lock and the failure count (mfa.Regulator.Unlock).
//
// A client is the one client model, store.Client, with the field names of
// the configuration file's clients[] entries, checked by its Validate with
// the deployment's rules (broker.Config.ClientRules) exactly as the file's
// clients are, so a problem's path (clients[0].redirect_uris[0]) names the
// field to fix. Steps are set only in the configuration file (their
// settings are operator files). Clients declared in the configuration
// file are read-only here (ErrReadOnly): the file stays their only source
// of truth. Views never
// carry secrets, secret hashes, sealed keys or factor material; a
// generated client secret is returned once, when it is made, and only its
// hash is stored. An account view leaves out the email address and names:
// support works from the URN the person reads out, and the person sees
// their own details on the account page. After every write of a stored
// client (add, update, removal, secret rotation) the Service calls the
// function given WithClientsChanged: `passerelle serve` passes the
// broker's ClientsChanged, so the broker, which keeps the stored clients
// in memory, sees the change at its next request (the command line, a
// process of its own, is seen within the broker's 2 seconds).
//
// GET /admin/store/backup serves a consistent copy of a running bbolt
// store (store.Backuper), for `passerelle store backup`: the broker holds
// the file's lock, so no other process can read it while it serves.
//
// The HTTP API is off unless Config sets a bearer token. It speaks JSON
// only, answers every error as {"error": ..., "problems": [...]} with a
// 4xx status for anything the caller can fix, and keeps the detail of a
// server fault in the log, never in the answer.
package admin

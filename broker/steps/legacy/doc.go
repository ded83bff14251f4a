// Package legacy is the legacy-account step a client may add after the
// second factor (clients[].steps: [legacy]), for a relying party that
// moves its existing users onto Passerelle (seed 000, the IP office): at
// the person's first sign-in to that client, they type the username and
// password of their account on the client's former system once, and a
// match links that legacy account to their Passerelle account for that
// client only. From then on the client receives the legacy ID as a claim
// (legacy_id unless clients[].legacy.claim names another), in the ID
// token and at userinfo.
//
// The administrator imports the client's legacy accounts first
// (passerelle legacy import; package admin); the password hashes are the
// former system's (bcrypt, PBKDF2 or argon2, internal/passhash).
//
//	GET  /login/{id}/step/legacy   the form: username and password, or "I never had an account"
//	POST /login/{id}/step/legacy   decision=link (username, password) | decision=none
//
// Choices, where the issue is silent:
//
//   - The answer is asked once per account and client, and kept (store
//     LegacyLink): a link, or none when the person says they never had an
//     account. An administrator who deletes the answer (passerelle legacy
//     unlink) makes the next sign-in ask again; that is how a link is
//     reversed and how a mistaken "none" is undone. Keycloak's and
//     Login.gov's migrations likewise ask once and leave corrections to
//     support.
//   - The step comes after the completion gate, as every client step does:
//     a person holding only a stolen Passerelle password never reaches it,
//     so it cannot be used to test legacy passwords without the account's
//     own second factor.
//   - Every wrong answer is an attempt on the account's failure counter
//     (reserved before the hash is checked, as for a second factor), so
//     the form is no oracle: unknown usernames and wrong passwords get
//     the same message after the same hashing work (an unknown username is
//     checked against a hash of the same kind as the client's, the last
//     one this process verified for it, or a bcrypt one before any), and
//     the lock ends the guessing. A right password gives the attempt back
//     without clearing earlier failures (it proves the legacy account, not
//     the person's own factor).
//   - A legacy account already linked to another account is refused with
//     its own message once its password is proven (only its holder learns
//     it), audited, and the person may say "none" or ask support.
//   - A legacy link is an audit event (legacy.link, legacy.none, and
//     admin.legacy.unlink); the security notice of a linked credential is
//     sent by the notices feature from those events.
package legacy

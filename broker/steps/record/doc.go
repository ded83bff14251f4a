// Package record is the record-linking step a client may add after the
// second factor (clients[].steps: [record]), for a relying party whose
// people already have a file with it (seed 003, the certificate office):
// the person types the knowledge attributes the client asks (a
// certificate number and a date of birth), and when they match a record
// of the client's file a six-digit code goes to the email address on that
// file (not the account's); the code links the record to the account for
// that client, and the client receives the record ID as a claim
// (record_id unless clients[].records.claim names another).
//
// When the code cannot be received, the client may turn on two
// fallbacks: an invoice number of the file less than three years old
// (clients[].records.invoice), or a request for an agent's help
// (clients[].records.assisted), queued for the client's support, who see
// and resolve it with the admin API or `passerelle records requests`.
//
//	GET  /login/{id}/step/record               the current view: attributes, code, other ways, request sent
//	GET  /login/{id}/step/record?view=other    the fallbacks the client turned on
//	POST /login/{id}/step/record               do=find | code | resend | invoice | assist | continue
//
// Choices, where the issue is silent:
//
//   - The first attribute finds the record (it is unique per client, like
//     a certificate number); the others are compared with it. A wrong
//     answer says only that the information does not match a file, never
//     which part, and costs the same lookups.
//   - Every wrong answer (attributes, code, invoice) is an attempt on the
//     account's failure counter, reserved before anything is checked, so
//     guessing ends in the lock; a right one gives the attempt back
//     without clearing earlier failures. Codes are the email factor's:
//     hashed, single use, expiring (mfa.email.code_ttl), burnt after five
//     wrong tries, and capped per account and address; "Send a new code"
//     draws a new one. An expired code has its own message.
//   - The step comes after the completion gate: a person holding only a
//     stolen password never reaches it, so it never sends a code to
//     anyone on their word.
//   - An assisted request ends the step for this sign-in: the person goes
//     on to the service without a record (the service says what it can do
//     without one) and is asked again at the next sign-in until a record
//     is linked; an account has one open request per client. An agent who
//     resolves it may link the record (method "agent") or close it (after
//     correcting the email on file, as the seed describes).
//   - Linking is audited (record.link with the method, record.assist,
//     admin.record.resolve); a linked record is kept, and the step is not
//     asked again.
package record

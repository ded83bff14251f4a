// Package organization is the step a client with organizations adds
// after the second factor (clients[].steps: [organization]): the person
// says which of the client's organizations they act for in this sign-in,
// and the client receives it with their roles (claims org and roles,
// names configurable) — its own organizations only.
//
// What the person sees depends on what they hold:
//
//   - several organizations: a chooser, one button per organization with
//     the role held, and the form to enter an invitation code;
//   - exactly one: nothing, the step passes with it;
//   - none: the form to enter an invitation code (the security code of
//     ATIP Online's seed 001, given by the person's manager) and, when the
//     client allows activation by mail (seed 002), the forms to ask for an
//     activation code by the business's number and to enter it. When the
//     client does not require an organization, a person with none passes
//     without one.
//
// Every code entered is an attempt reserved with the failure regulator
// (mfa.Regulator) before it is checked, as a second-factor code: a wrong,
// expired, used or revoked code counts toward the account's lock, a
// running delay refuses the attempt unchecked, and a right one resets
// the count. A business number given to ask for an activation letter is
// an attempt too, so the step lists no client's numbers: an unknown one
// counts, a known one gives its attempt back without resetting the count.
// Each refusal has its own message in both languages.
//
// The step serves only while the dispatcher says it is the current one
// (journey.Host.Enter), that is after the account's own second factor
// has passed the completion gate: a person holding only a password never
// reaches it, however they post to it.
//
//	GET  /login/{id}/step/organization   the chooser or the code forms
//	POST /login/{id}/step/organization   do=choose (org) | join (code) |
//	                                     request (number) | activate (number, code)
package organization

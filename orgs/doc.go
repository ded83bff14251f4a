// Package orgs is what a person does for an organization at one client
// (relying party): the client's role table (clients[].organizations,
// Config — part of the client's record, store.Client.Organizations, so a
// client registered through the admin API or `passerelle clients add
// -organizations FILE` has one, checked with the configuration file's
// rules, as a configured client does), and the rules of every change to an organization (Service),
// which the broker's sign-in step and account pages, the admin API and
// the CLI all go through. The records are the store's
// (store.Organization).
//
// The role table names the roles, in order, with for each who may give
// which role (invite: by an invitation code, or by changing a member's
// role), whose members it may remove or change (manage), and whether it
// sees the members and pending invitations. One role may be the owner's:
// exactly one account holds it (store.Organization.Owner, one field, so
// the record cannot say otherwise), nobody invites to it or removes its
// holder, and it passes only by transfer — offered by the owner to a
// member named by family name, URN and email, and accepted by that member
// — after which the old owner takes after_transfer's role or leaves.
// Administrators (Actor.Admin) are not bound by the table but keep the
// one-owner rule.
//
// Every change is one store update of the organization's record, its
// checks inside the update function, so two changes racing (two
// transfers, a transfer and a removal, two people entering one code) are
// serialised by the store and the second sees the first's outcome.
//
// Codes. An invitation code and an activation code are 16 symbols of
// Crockford's base 32 (80 random bits), shown as XXXX-XXXX-XXXX-XXXX;
// typing ignores case, spaces and dashes and reads O as 0, I and L as 1.
// Only their SHA-256 is stored. An invitation is single use and expires
// (invitation_ttl, 30 days by default); it may be revoked by whoever may
// give its role. Used, revoked and expired invitations stay in the record
// 90 days so that whoever enters one is told which it is (the person
// holding a real code learns nothing they could not see on it).
//
// Activation by mail (seed 002). An organization awaiting activation is
// created pending, with its external number, by an administrator (CLI,
// admin API), or by activation itself: a client's configuration may name
// its register of businesses (organizations.register, an operator's CSV
// file of number and names — the real-world equivalent is the business
// register the CRA keeps, from which the mail house also takes each
// business's address), and a request for a letter by a number the
// register lists and no organization has creates the organization,
// pending, with the register's names. A number in neither is refused
// (and counted as a failure by the broker): nothing a stranger types
// creates an organization the operator did not list, so what requests
// can create is bounded by the register. A person asks for a
// letter by number; the operator's export (Letters) makes the code, keeps
// its hash and hands the clear code to the mail house once, which mails
// it to the business's address on file — never to the person who asked.
// The code lasts activation_ttl (45 days) from then. Entering number and
// code makes the person the owner and the organization active.
//
// The rule against a squatter. The issue's first rule, "a new code voids
// the old one", let anyone who knows a business number keep its owner
// out: ask again every few weeks and every letter the business receives
// is void by the time it arrives. Since every letter reaches the
// business itself, holding any one is the proof, so letters coexist: a
// request never voids a code, each code lives its own 45 days, and a
// request adds a letter only when none already waits for the export and
// fewer than store.MaxOrgLetters (3) are under way — so the mail costs at
// most three letters per 45 days per business, and a lost letter is asked
// for again. Every request is answered alike ("your request is
// recorded"), whoever asks and whatever is under way; the broker counts a
// number that awaits nothing as a failure (mfa.Regulator), so the form is
// no oracle of a client's numbers. Activation voids every other letter.
// Two more bounds: one account's requests to one client count
// (store.Hit) and past MaxLetterRequests (20) in an activation_ttl add no
// letter, answered alike, so one person cannot have letters mailed to
// every business of a register; and a business that reports a letter
// stolen has an administrator void every letter of its pending
// organization (VoidLetters; passerelle orgs void-letters, the admin API)
// before asking for a new one.
//
// Refused codes are audited with their reason (unknown, expired, used,
// revoked); the broker counts every refused code toward the account's
// failures (mfa.Regulator), as a wrong second-factor code.
package orgs

// Package notify delivers messages to people: the email that carries a
// one-time code (CodeMessage), and notices of what happened to their
// account (NoticeMessage): the User Reference Number once the account is
// created, and security notices, each saying what happened, when, what to
// do if it was not them and whom to contact. It owns the bilingual message templates
// (English and French, both always present, the person's language first),
// the SMTP transport (github.com/wneessen/go-mail, STARTTLS required by
// default) and an in-memory Outbox that the demo shows in the browser
// instead of sending anything.
//
// A code message holds the code and how long it is valid, and nothing
// else: no name, no link, no relying party; a notice holds no code, key
// or link either. A mailbox is a place others may read,
// and a link in an email teaches people to follow links in emails.
//
// Errors and logs never carry a message body.
package notify

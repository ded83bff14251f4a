// Package notify delivers messages to people: today, the email that
// carries a one-time code. It owns the bilingual message templates
// (English and French, both always present, the person's language first),
// the SMTP transport (github.com/wneessen/go-mail, STARTTLS required by
// default) and an in-memory Outbox that the demo shows in the browser
// instead of sending anything.
//
// A message holds the code and how long it is valid, and nothing else: no
// name, no link, no relying party. A mailbox is a place others may read,
// and a link in an email teaches people to follow links in emails.
//
// Errors and logs never carry a message body.
package notify

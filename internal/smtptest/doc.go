// Package smtptest is a minimal SMTP server for tests (RFC 5321, with
// STARTTLS per RFC 3207 and a self-signed certificate), so code that
// sends email holds a real SMTP conversation in its tests.
package smtptest

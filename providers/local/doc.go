// Package local is Passerelle's built-in username/password credential
// service, in the manner of GCKey or Quebec's government authentication
// service: a person registers a username, an email address and a
// password, confirms the address with a six-digit code, signs in, and
// resets a forgotten password with a code sent to that address. It holds
// the logic only; the broker renders the pages and links the returned
// providers.Identity (subject = the user's ID) to an account.
//
// # Passwords (NIST SP 800-63B §3.1.1.2)
//
// Length is counted in characters (Unicode code points): at least 12 by
// default (8 at least), at most 128 by default (64 at least), so
// passphrases fit. There are no composition rules. A password is refused
// when it is not valid text (invalid UTF-8, control characters), holds a
// configured forbidden character (some services must refuse some, like
// the customs portal's list), contains the username or the email's local
// part, or is guessable: github.com/ccojocar/zxcvbn-go (a maintained
// zxcvbn port, whose lists hold common passwords, words and names) finds
// it within about a million guesses, as a common password or one made of
// common passwords, words and the patterns attackers try first (repeats,
// sequences, keyboard walks, dates, l33t spelling). CheckPassword lists
// every broken rule, so the page can say all of them at once. Passwords
// are hashed in NFKC form, so the same characters typed elsewhere match.
//
// # Hashing
//
// argon2id (golang.org/x/crypto/argon2), stored in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with a 128-bit salt and a
// 256-bit key. The default cost is OWASP's minimum setting, m=19456 KiB,
// t=2, p=1; Validate accepts any of OWASP's equivalent settings or
// stronger. Comparison is constant-time. When the configured cost
// changes, each hash is replaced at its owner's next successful sign-in.
//
// # Not revealing who has an account
//
// Login (and Authenticate) answer ErrInvalidCredentials alike for an unknown username, a
// wrong password and an unconfirmed address, after the same argon2id
// work (an unknown username is checked against a dummy hash); RefuseLogin
// gives the same answer after the same work, for an attempt the broker's
// failure regulator holds back without checking it. StartReset
// answers the same shape whether or not the username or address exists
// and emails a code only to a confirmed user; its resetID is derived
// from what was typed, so asking twice shows nothing either, and a rate
// limit is not reported. Register must tell a person that a username is
// taken (they have to pick another), but not that an email address is:
// for a held address it creates and sends nothing and returns random
// IDs that Confirm refuses as a wrong code. What remains observable is
// the time an email takes to send; the broker may answer before
// delivery if that matters.
//
// Unconfirmed registrations expire after ConfirmWithin (24 hours by
// default): the store then treats them as absent, so a username or an
// address typed by mistake is not held for long.
package local

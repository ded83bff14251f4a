package passhash

import "fmt"

// Reasons a hash is refused (Error.Reason).
const (
	ReasonScheme       = "scheme"
	ReasonBcrypt       = "bcrypt"
	ReasonBcryptCost   = "bcrypt-cost"
	ReasonFields       = "fields"
	ReasonSalt         = "salt"
	ReasonKey          = "key"
	ReasonArgonVersion = "argon2-version"
	ReasonArgonParams  = "argon2-params"
	ReasonArgonMemory  = "argon2-memory"
	ReasonArgonTime    = "argon2-time"
	ReasonArgonLanes   = "argon2-lanes"
	ReasonPBKDF2Digest = "pbkdf2-digest"
	ReasonPBKDF2Iter   = "pbkdf2-iterations"
)

// Reasons are the English texts of the reasons, fmt formats of an
// Error's Args. A caller that reports in another language (the import
// reports of package admin) keys its own catalogue by Reason, and its
// tests check that it covers every key of this map.
var Reasons = map[string]string{
	ReasonScheme:       "not a bcrypt, argon2 or PBKDF2 hash (expected $2b$…, $argon2id$…, $pbkdf2-sha256$…)",
	ReasonBcrypt:       "malformed bcrypt hash",
	ReasonBcryptCost:   "bcrypt cost %d is above %d",
	ReasonFields:       "malformed %s hash: expected %d $-separated fields",
	ReasonSalt:         "%s salt must be %d to %d bytes of unpadded base64",
	ReasonKey:          "%s hash must be %d to %d bytes of unpadded base64",
	ReasonArgonVersion: "%s version must be v=19, got %q",
	ReasonArgonParams:  "%s parameters must be m=…,t=…,p=… with positive numbers",
	ReasonArgonMemory:  "%s memory m=%d KiB is above %d",
	ReasonArgonTime:    "%s time and parallelism must be at most %d",
	ReasonArgonLanes:   "%s memory must be at least 8 KiB per lane",
	ReasonPBKDF2Digest: "PBKDF2 digest %q is not sha256, sha512 or sha1",
	ReasonPBKDF2Iter:   "%s iterations must be i=1 to i=%d",
}

// Error is why Parse refused a hash: a key of Reasons and its arguments.
type Error struct {
	Reason string
	Args   []any
}

func (e *Error) Error() string { return fmt.Sprintf(Reasons[e.Reason], e.Args...) }

func fail(reason string, args ...any) error { return &Error{Reason: reason, Args: args} }

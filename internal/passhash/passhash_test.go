package passhash

import (
	"strings"
	"testing"
)

// TestVerifyOthersHashes: hashes written by other implementations (bcrypt
// by Apache's htpasswd, PBKDF2 by Python's hashlib, argon2i and argon2id
// by the reference implementation's command line) verify their password
// and refuse others.
func TestVerifyOthersHashes(t *testing.T) {
	for _, tc := range []struct {
		hash, password, scheme string
	}{
		{"$2y$05$sXlAP5G3rynnlHQOz3XExuqg7lqe8rl.PwG7fPy3p9Hw2NI24v.iS", "correct horse", "bcrypt"},
		{"$2y$04$yjPgpVoSujSoSv3xPgX7b.5dYIch3frtRrugNIbpv1NtN8DJtDOo6", "Été 2019!", "bcrypt"},
		{"$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0$F7o7+5VTVzFAO998X6s3AHrDsJVdMiIlgndIMe19NvY", "correct horse", "pbkdf2-sha256"},
		{"$pbkdf2-sha512$i=1000$c2FsdHNhbHRzYWx0$oSKce4SGrSKsJabCWZfpe2MmVOPtl4paOjoD1njLdjo", "correct horse", "pbkdf2-sha512"},
		{"$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "password", "argon2i"},
		{"$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo", "password", "argon2id"},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			h, err := Parse(tc.hash)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h.Scheme() != tc.scheme {
				t.Errorf("Scheme = %q, want %q", h.Scheme(), tc.scheme)
			}
			if !h.Verify(tc.password) {
				t.Error("the right password does not verify")
			}
			for _, wrong := range []string{"", tc.password + " ", strings.ToUpper(tc.password), "password1"} {
				if h.Verify(wrong) {
					t.Errorf("the wrong password %q verifies", wrong)
				}
			}
		})
	}
}

// TestParseRefuses: every malformed or unbounded hash is refused with a
// message naming what is wrong.
func TestParseRefuses(t *testing.T) {
	const salt, key = "c29tZXNhbHQ", "GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	for _, tc := range []struct{ hash, want string }{
		{"", "not a bcrypt, argon2 or PBKDF2 hash"},
		{"plaintext", "not a bcrypt, argon2 or PBKDF2 hash"},
		{"$1$md5crypt$abc", "not a bcrypt, argon2 or PBKDF2 hash"},
		{"$2y$05$short", "malformed bcrypt hash"},
		{"$2b$17$sXlAP5G3rynnlHQOz3XExuqg7lqe8rl.PwG7fPy3p9Hw2NI24v.iS", "bcrypt cost 17 is above 16"},
		{"$argon2id$v=19$m=65536,t=2,p=4$" + salt, "expected 5 $-separated fields"},
		{"$argon2id$v=16$m=65536,t=2,p=4$" + salt + "$" + key, "version must be v=19"},
		{"$argon2id$v=19$m=65536,t=2$" + salt + "$" + key, "m=…,t=…,p=…"},
		{"$argon2id$v=19$m=65536,t=0,p=4$" + salt + "$" + key, "m=…,t=…,p=…"},
		{"$argon2id$v=19$m=4194304,t=2,p=4$" + salt + "$" + key, "memory m=4194304 KiB is above 262144"},
		{"$argon2id$v=19$m=65536,t=99,p=4$" + salt + "$" + key, "at most 16"},
		{"$argon2id$v=19$m=65536,t=2,p=4$!!$" + key, "salt must be"},
		{"$argon2id$v=19$m=65536,t=2,p=4$" + salt + "$c2hvcnQ", "hash must be"},
		{"$pbkdf2-md5$i=1000$" + salt + "$" + key, `digest "md5"`},
		{"$pbkdf2-sha256$1000$" + salt + "$" + key, "iterations must be"},
		{"$pbkdf2-sha256$i=9000000$" + salt + "$" + key, "iterations must be"},
		{"$pbkdf2-sha256$i=1000$" + salt, "expected 4 $-separated fields"},
	} {
		_, err := Parse(tc.hash)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.hash, err, tc.want)
		}
	}
}

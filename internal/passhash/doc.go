// Package passhash verifies password hashes written by other systems, so
// a relying party's legacy accounts can be claimed with their old
// passwords (broker/steps/legacy). It reads three formats:
//
//   - bcrypt, as Modular Crypt Format ($2a$, $2b$, $2y$; cost 4 to 16),
//     checked by golang.org/x/crypto/bcrypt;
//   - argon2 PHC strings ($argon2id$ or $argon2i$, v=19,
//     m=…,t=…,p=…$salt$hash in unpadded standard base64), derived with
//     golang.org/x/crypto/argon2;
//   - PBKDF2 PHC strings ($pbkdf2-sha256$i=…$salt$hash, also -sha512 and
//     -sha1, unpadded standard base64), derived with the standard
//     library's crypto/pbkdf2 (x/crypto/pbkdf2 now forwards to it).
//
// Parse refuses anything else with a message that says what is wrong,
// which the import command prints beside the line. Parameters are bounded
// (bcrypt cost at most 16, argon2 memory at most 256 MiB, time and
// threads at most 16, PBKDF2 at most 5,000,000 iterations, salts of 4 to
// 64 bytes, keys of 16 to 128): an imported file is trusted for its
// accounts, not for the server's CPU and memory.
//
// Verify compares in constant time for a given hash (bcrypt's own
// comparison, crypto/subtle for the others). Nothing here logs or
// returns a password or a hash.
package passhash

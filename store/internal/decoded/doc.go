// Package decoded keeps the decoded form of recently read records beside
// the stored bytes they were decoded from, for both stores: a read whose
// bytes were decoded before takes the decoded record instead of decoding
// the JSON again. Decoding is a function of the bytes alone, so the
// cache is keyed by the bytes themselves (compared in full): a record
// any write changed has other bytes and is decoded anew (its new version
// replacing the old in the cache), a record read from either store is
// what decoding its bytes gives, and one cache per kind serves every
// store in the process. Introspection reads the same
// grant and account again and again, a refresh grant reads its grant
// twice, a sign-in lists the account's factors three times.
package decoded

// Package randid draws n random bytes from crypto/rand and encodes them:
// the record IDs, bearer secrets and request IDs that Passerelle mints,
// so that every package draws them the same way.
//
// The encodings are part of stored and exchanged formats: IDs kept in
// the store, secrets whose hash is kept, IDs in URLs and logs. Changing
// an encoding (its alphabet, padding or length for a given n) changes
// the shape of every new value and breaks anything that checks or
// parses the old one, so they must not change; a new format is a new
// function.
//
// crypto/rand.Read never fails (since Go 1.24 it crashes the program
// rather than return an error), so these functions return no error.
package randid

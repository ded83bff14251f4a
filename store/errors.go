package store

import "errors"

// Sentinel errors of the Store contract. Backends wrap them with %w so
// callers test them with errors.Is.
var (
	// ErrNotFound means the record does not exist (or has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists means a record with the same key is already stored.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrConflict means an update could not be applied as asked, for
	// example a uniqueness constraint on a secondary key.
	ErrConflict = errors.New("store: conflict")
)

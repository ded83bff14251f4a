// Package clonetest checks deep copies in tests: Fill sets every field
// of a value, at every depth, to something non-zero, and Shared fails a
// test where a copy holds the same slice array, map or pointee as its
// original. A copy function checked with both fails its test as soon as
// a field that holds a reference is added to its type and not copied.
package clonetest

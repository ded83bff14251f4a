// Package testbrowser is a person's browser for tests that walk
// Passerelle's pages over HTTP: a cookie jar, English asked for, redirects
// followed until a relying party (which is not running), the POST forms of
// a page with their hidden fields, and an authenticator app that passes
// the second-factor pages.
//
// It serves the broker's tests (package broker_test) and the replica
// tests (test/replicas). Failures end the test through testing.TB. The
// benchmark's browser (internal/loadgen) returns errors instead and stays
// apart.
package testbrowser

// Package storetest is the conformance suite every store.Store backend
// runs: Run checks each method and the error contract, RunConcurrency
// checks the atomicity that single-use codes, refresh rotation, first
// sign-in, one-time codes and rate counters rely on. A backend's own test calls both:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, newStore) }
//	func TestConcurrency(t *testing.T) { storetest.RunConcurrency(t, newStore) }
//
// RunHeldAuthRequests attacks the bound of sign-ins in progress a backend
// holds (Options.MaxAuthRequests, small in the test) with one holder
// passing its credential in many sign-ins it never finishes
// (store.MaxHeldAuthRequests), on an injected clock.
//
// Records are compared through their JSON encoding, so a backend must give
// back exactly what it was given, times included (the suite uses UTC times
// with whole seconds).
package storetest

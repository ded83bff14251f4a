// Package loadgen is the load generator the benchmark commands share
// (cmd/passerelle-bench, cmd/passerelle-bench-compare and
// cmd/passerelle-soak): a runner that drives an operation in a closed
// loop or paced in an open loop, each latency counted from when its run
// was due (Pace, on which Load and the soak's minute-by-minute figures
// are built), and reads its latency percentiles; the demo
// upstream the people sign in at (StartUpstream, with its providers[] and
// the relying party's clients[] entries for a configuration file); the
// in-process broker the benchmarks profile, on the store they open, with
// that upstream (StartBroker); the HTTP/1.1 transport every request of
// the load generator goes over (Transport: each request written and its
// answer read by the goroutine that makes it, on kept-alive connections);
// fresh HTTP "browsers" on it that keep their cookies, follow redirects
// until the relying party and submit the pages' forms; the OAuth calls of
// a relying party (code exchange, refresh rotation, introspection), plain
// requests with client_secret_basic; and a driver of complete sign-ins at
// Passerelle, where people enrol an authenticator app once and then
// answer every TOTP challenge with a fresh code.
//
// What each command starts and prints stays in the command.
package loadgen

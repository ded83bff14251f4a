// Package loadgen is the load generator the benchmark commands share
// (cmd/passerelle-bench and cmd/passerelle-bench-compare): a runner that
// drives an operation in a closed loop or paced and reads its latency
// percentiles; fresh HTTP "browsers" that follow redirects until the
// relying party and submit forms; the OAuth calls of a relying party
// (code exchange, refresh rotation, introspection); and a driver of
// complete sign-ins at Passerelle, where people enrol an authenticator
// app once and then answer every TOTP challenge with a fresh code.
//
// What each command starts and prints stays in the command.
package loadgen

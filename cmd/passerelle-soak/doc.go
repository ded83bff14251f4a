// Command passerelle-soak runs the real `passerelle serve` binary on a
// fresh bbolt or PostgreSQL store for minutes under a steady mixed load and prints, minute by
// minute, what an operator watches for growth; it asserts nothing (make
// soak; not part of make test).
//
// It starts the demo upstream OpenID provider (loadgen.StartUpstream),
// then `passerelle serve` (-passerelle) as its own process with a fresh
// store (a bbolt file; with -postgres DSN, a new schema in that database,
// dropped at the end unless -keep) and /metrics on a
// management port, enrols enough people that none signs in twice within
// a TOTP step, fills a pool of refresh tokens, and then, paced at the
// given rates, runs at once:
//
//   - complete sign-ins in fresh browsers (upstream form, TOTP, code
//     exchange; each one a new grant with a refresh token);
//   - refresh_token grants (each one rotates a token of the pool);
//   - token introspections.
//
// Each minute it prints per operation the count, errors, p50 and p99
// latency, then the server's resident set (split into anonymous memory,
// which holds the Go heap, and mapped files, which hold the touched
// pages of a bbolt store), Go heap in use, goroutines and
// open files (from its /metrics) and the store's size (the bbolt file,
// or the schema's tables with their indexes). The broker
// sweeps once a minute as it does in production, so the sweep's windows
// are inside the figures. The pacing is an open loop (loadgen.Pace): runs
// fall due at the rate whatever the server does, and a run that waited
// for a busy worker counts that wait in its latency, so a slow minute
// shows in its p99 and not only in a lower count. At
// the end it stops the server and prints the store's composition: keys
// and bytes used per bbolt bucket (or live rows and bytes per PostgreSQL
// table), the figures behind the README's sizing.
//
//	go build -o /tmp/passerelle ./cmd/passerelle
//	go run ./cmd/passerelle-soak -passerelle /tmp/passerelle -minutes 30
//	go run ./cmd/passerelle-soak -passerelle /tmp/passerelle -minutes 10 \
//	    -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
package main

// Package replicas tests Passerelle run as a fleet: two `passerelle
// serve` processes, built from this repository, sharing one PostgreSQL
// schema behind one issuer URL, as behind a load balancer.
//
// The package holds tests only (replicas_test.go and its helpers). The
// test builds the binary, creates a schema with a random name, and puts
// two proxies of its own in the way: an HTTP reverse proxy that is the
// issuer and sends each request to the replica the test picks, and a TCP
// proxy in front of PostgreSQL that the test cuts and restores to
// simulate a database outage without touching the machine's PostgreSQL.
// The upstream identity provider (internal/demoidp) and the relying party
// (coreos/go-oidc with x/oauth2) run in the test process.
//
// It checks that a sign-in started on one replica finishes on the other,
// that a refresh token presented on both at once is good once (the
// family then revoked on both), that a key rotated by the CLI is
// published by both, that failure
// counters are shared, that both answer /ready, and how they behave while
// the database is unreachable (503, or temporarily_unavailable at the
// authorization endpoint; /ready red; log lines naming the database) and
// once it is back.
//
// The test needs PASSERELLE_TEST_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable) and skips
// without it.
package replicas

// Command passerelle-bench-compare measures Passerelle beside the
// zitadel/oidc v3 example OpenID provider, on loopback in one run, and
// prints the figures and their ratios; it asserts nothing.
//
// The harness's own processes (the load generator, this one, and the
// demo upstream, which signs its ID tokens with EdDSA) run with GOGC=400
// during the side-by-side run, the upstream also with GOMAXPROCS=1 (it
// costs less CPU per sign-in on one P), the servers at their own defaults
// (passerelle serve sets its own GOGC when the environment has none,
// cmd/passerelle/gc.go; the example OP runs at Go's; GOGC in
// bench-compare's environment reaches both). It starts
// three child processes: the demo upstream (this command again,
// with -serve-upstream), Passerelle (passerelle serve, a bbolt store in a
// temporary directory, the demo upstream as its one provider) and the
// example OP as it ships (github.com/zitadel/oidc/v3/example/server: an
// in-memory store and a username/password form). The same load generator
// and worker count then drive, at each provider in turn:
//
//   - complete code flows with PKCE in fresh browsers, token exchange
//     included; at Passerelle each one goes through the upstream's
//     sign-in and answers a TOTP challenge with a fresh code, at the
//     example OP it is a local password form, so the two differ in work;
//   - refresh_token grants (client_credentials is not compared:
//     Passerelle has no such grant);
//   - token introspections;
//
// first at full load (closed loop) for the peak rate, then paced at half
// of it for p50 and p99: an open loop whose runs fall due at that rate
// whatever the server does, each latency counted from when its run was
// due, so a stall that keeps every worker busy is in the percentiles
// (no coordinated omission; loadgen.Pace). For each it prints the CPU each process used per
// operation, the cores each kept busy, what limited the peak (the
// machine's cores, counting other users' processes read from /proc/stat,
// or waiting when cores stayed idle) with the rates the CPU per operation
// allows on these cores (server and harness together, the server alone,
// the harness alone) and, when perf(1) can sample, each server's hottest
// functions. Beside the paced run's p50 and p99 it prints where its time
// went (hops.go): the runs timed from their start rather than from when
// they were due (the difference waited for a worker or the pacer's
// timer), and each HTTP request of a run by hop (who served it, method
// and path), from its first byte written to the first byte of its answer
// read on the connection: the server's time with loopback and the
// scheduler's waits, without the load generator's own work.
//
// Then it runs Passerelle's broker in this process on bbolt and, when
// PASSERELLE_TEST_POSTGRES_DSN (or -postgres) names a database, on
// PostgreSQL (in a schema of its own, dropped afterwards), with a CPU
// profile of each run written to -profile-dir and its top functions
// printed. -stores-only runs this part alone (no binaries needed);
// -side-by-side-only leaves it out.
//
// -profile-harness writes CPU profiles of the harness to -profile-dir:
// the load generator's during each full-load side-by-side run
// (loadgen-<operation>-<provider>.pprof) and the demo upstream's over the
// whole run (upstream.pprof). Profiling costs them CPU: their CPU per
// operation reads high in such a run.
//
// Last it prints the goals of issue 15 beside the figures, each met or
// not met: 1,000 sign-ins per second and at least the example OP's,
// their p99 at half of peak under 20 ms, 5,000 refresh grants and 20,000
// introspections per second (side by side), and PostgreSQL at 60% or
// more of bbolt on each flow. Figures only: the run never fails on a goal.
//
//	make bench-compare
//
// builds both servers and runs it with the defaults (about two and a
// half minutes).
package main

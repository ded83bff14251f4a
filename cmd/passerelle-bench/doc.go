// Command passerelle-bench measures Passerelle through its real HTTP
// endpoints on loopback and prints figures; it asserts nothing.
//
// It starts, in one process, a demo upstream OpenID provider and the broker
// on its durable embedded store (a bbolt file in a temporary directory),
// then measures, each for a fixed duration:
//
//   - complete brokered sign-ins: authorize → upstream sign-in form →
//     callback → code → token exchange, each in a fresh browser (no SSO);
//   - refresh_token grants (rotation included);
//   - token introspections;
//
// first at full load (closed loop, -workers concurrent clients) to find
// the peak rate, then paced at half that rate to read p50 and p99 latency
// there. CPU and heap allocations per operation (count and bytes, from
// runtime.MemStats) are the whole process's at full load: the broker,
// the upstream and the load generator together; allocations hardly vary
// with the machine's load, CPU does. Peak memory is the process's high-water resident set (VmHWM),
// which includes the load generator and the upstream: both run here too,
// on the same two cores, so the broker's own capacity is higher than
// printed.
//
// With -profile-dir, each operation's full-load run is CPU-profiled into
// that directory (signin.pprof, refresh.pprof, introspection.pprof), its
// samples labelled part=broker, part=upstream or part=loadgen so that
// `go tool pprof -tags` splits the process's CPU between the three and
// -tagfocus=part=broker shows the broker alone (samples with no label are
// the runtime's: garbage collection, and bbolt's batched commits).
//
//	go run ./cmd/passerelle-bench -duration 5s -workers 32
//	go run ./cmd/passerelle-bench -profile-dir /tmp/prof && go tool pprof -tags /tmp/prof/signin.pprof
package main

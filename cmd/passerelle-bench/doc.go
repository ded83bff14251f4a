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
// there. Peak memory is the process's high-water resident set (VmHWM),
// which includes the load generator and the upstream: both run here too,
// on the same two cores, so the broker's own capacity is higher than
// printed.
//
//	go run ./cmd/passerelle-bench -duration 5s -workers 32
package main

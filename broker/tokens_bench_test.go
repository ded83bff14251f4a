package broker_test

import (
	"context"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/passerelle/passerelle/broker"
	"github.com/passerelle/passerelle/internal/demoidp"
	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/store/bolt"
)

// benchWorkers is how many clients the token benchmarks run at once, as
// make bench-compare does.
const benchWorkers = 16

// benchTokens is a broker on a bbolt file, unlimited, with a pool of
// benchWorkers sign-ins of rp1 (each its own grant) and an HTTP client
// that keeps a connection per worker.
func benchTokens(b *testing.B) (*env, *loadgen.Refresher, *http.Client) {
	e := newEnvLimited(b, demoidp.Faults{}, broker.RateLimitConfig{Disabled: true})
	r := e.rp("rp1")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * benchWorkers}}
	pool, err := loadgen.NewRefresher(context.Background(), hc, &r.cfg, benchWorkers, func(context.Context) (*oauth2.Token, error) {
		return e.signIn(r, e.browser(), "gckey", "alex").Token, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism((benchWorkers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	return e, pool, hc
}

// benchRun runs op benchWorkers at once and reports, per operation, the
// store's durable writes and bbolt commits, and the CPU time of the
// process (client and broker together; unlike ns/op, it hardly depends
// on what else the machine runs).
func benchRun(b *testing.B, st *bolt.Store, op func() error) {
	w0, c0, cpu0 := st.Writes(), st.Commits(), processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(st.Writes()-w0)/float64(b.N), "writes/op")
	b.ReportMetric(float64(st.Commits()-c0)/float64(b.N), "commits/op")
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRefreshGrant is refresh_token grants (rotation, a new access
// token and ID token) over HTTP on loopback, benchWorkers at once, the
// client and the broker in this process on a real bbolt file. It reports
// the store's writes and commits per grant: concurrent grants share
// commits (bolt's batches).
//
//	go test -run '^$' -bench 'RefreshGrant|Introspection' -benchmem ./broker
func BenchmarkRefreshGrant(b *testing.B) {
	e, pool, _ := benchTokens(b)
	ctx := context.Background()
	benchRun(b, e.store.(*bolt.Store), func() error { return pool.Grant(ctx) })
}

// BenchmarkIntrospection is RFC 7662 introspections of active access
// tokens as BenchmarkRefreshGrant runs grants; an introspection writes
// nothing.
func BenchmarkIntrospection(b *testing.B) {
	e, pool, hc := benchTokens(b)
	ctx := context.Background()
	cfg := e.rp("rp1").cfg
	// The sign-ins moved the clock on (a TOTP code per time step): fresh
	// access tokens for all.
	for range benchWorkers {
		if err := pool.Grant(ctx); err != nil {
			b.Fatal(err)
		}
	}
	benchRun(b, e.store.(*bolt.Store), func() error {
		return loadgen.Introspect(hc, e.issuer+"/oauth/introspect", &cfg, pool.AccessToken())
	})
}

package loadgen

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one operation measured: its peak rate and its latency at
// half of that rate.
type Result struct {
	Peak     float64       // operations per second at full load
	P50, P99 time.Duration // latency paced at half of Peak
}

// Measure runs op at full load (closed loop, every worker) for dur to
// find the peak rate, then paced at half that rate to read p50 and p99
// (an open loop, each latency counted from when its run was due: Pace).
// around, when not nil, is called just before the full-load run; the
// function it returns is called just after it with the number of
// operations done (0 when the run failed), to account CPU or profile.
func Measure(dur time.Duration, workers int, op func() error, around func() func(n int)) (Result, error) {
	var done func(int)
	if around != nil {
		done = around()
	}
	n, _, err := Load(dur, workers, 0, op)
	if done != nil {
		done(n)
	}
	if err != nil {
		return Result{}, err
	}
	r := Result{Peak: float64(n) / dur.Seconds()}
	_, lat, err := Load(dur, workers, r.Peak/2, op)
	if err != nil {
		return r, fmt.Errorf("paced: %w", err)
	}
	r.P50, r.P99 = Pct(lat, 0.50), Pct(lat, 0.99)
	return r, nil
}

// Load runs op from workers goroutines for dur; with rate > 0 the runs
// are due at rate per second, and each latency is counted from when its
// run was due (Pace). It returns the count and the latencies;
// a worker whose op fails stops, and the first error fails the run.
func Load(dur time.Duration, workers int, rate float64, op func() error) (int, []time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var count atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, workers)
	Pace(ctx, workers, rate, op, func(w int, d time.Duration, err error) bool {
		if err != nil {
			firstErr.CompareAndSwap(nil, err)
			return false
		}
		lats[w] = append(lats[w], d)
		count.Add(1)
		return true
	})
	if err, ok := firstErr.Load().(error); ok {
		return 0, nil, err
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return int(count.Load()), all, nil
}

// Pace runs op from workers goroutines until ctx ends. With rate > 0 it
// is an open loop: the runs are due at fixed instants, rate per second
// from the start, whatever the server does. Each worker takes the next
// due instant, waits for it and runs op; the latency is counted from the
// due instant, not from when a worker got to it. So when every worker is
// busy (a stalled server) the runs that fall due start late and their
// wait is in their latency, as a visitor's would be: a stall is not left
// out of the percentiles (coordinated omission), and runs fall behind
// rather than being dropped. Runs not started when ctx ends are left out.
// With rate 0 each worker runs op again as soon as it returns (a closed
// loop). After each run, record gets the worker's number (0 to
// workers-1), the latency and op's error; when it returns false, that
// worker stops. Pace returns once every worker has.
func Pace(ctx context.Context, workers int, rate float64, op func() error, record func(worker int, d time.Duration, err error) bool) {
	origin := time.Now()
	var next atomic.Int64 // the next due instant's number, paced
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				if rate > 0 {
					start = origin.Add(time.Duration(float64(next.Add(1)-1) * float64(time.Second) / rate))
					if !sleepUntil(ctx, start) {
						return
					}
				}
				err := op()
				if !record(w, time.Since(start), err) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// sleepUntil waits until t, or returns false when ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// Pct is the q-quantile of l (sorting l), or 0 when l is empty.
func Pct(l []time.Duration, q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[int(q*float64(len(l)-1))]
}

// StartProfile starts a CPU profile of this process into path and returns
// what stops it; with no path, or when it cannot (said on standard
// error), it does nothing.
func StartProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/store/bolt"
)

func main() {
	dur := flag.Duration("duration", 5*time.Second, "duration of each measurement")
	workers := flag.Int("workers", 32, "concurrent clients at full load")
	profDir := flag.String("profile-dir", "", "write a CPU profile of each operation's full-load run to this directory (signin.pprof, refresh.pprof, introspection.pprof), its samples labelled part=broker, upstream or loadgen")
	flag.Parse()
	if err := run(*dur, *workers, *profDir); err != nil {
		fmt.Fprintln(os.Stderr, "passerelle-bench:", err)
		os.Exit(1)
	}
}

func run(dur time.Duration, workers int, profDir string) error {
	dir, err := os.MkdirTemp("", "passerelle-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Enough people that a round lasts far longer than one sign-in at
	// full load.
	s, err := start(dir, 16*workers, workers)
	if err != nil {
		return err
	}
	defer s.close()
	ps, issuer := s.ps, s.issuer
	ctx := context.Background()

	fmt.Printf("Passerelle bench: %d workers, %s per measurement, bbolt store (fsync on), loopback HTTP, GOMAXPROCS=%d\n\n",
		workers, dur, numCPU())
	fmt.Printf("%-26s %10s %10s %10s %10s %10s %10s   %s\n", "operation", "peak/s", "CPU/op", "allocs/op", "bytes/op", "p50", "p99",
		"(CPU and allocations: this whole process at peak; latency paced at half of peak)")

	m := measurer{dur: dur, workers: workers, profDir: profDir}
	if err := m.measure("sign-in (upstream + TOTP)", "signin", func() error { _, err := ps.SignIn(ctx); return err }); err != nil {
		return err
	}
	// A pool of refresh tokens: each refresh rotates one.
	r, err := loadgen.NewRefresher(ctx, ps.HTTP, ps.OAuth, workers*4, ps.SignIn)
	if err != nil {
		return err
	}
	if err := m.measure("refresh_token grant", "refresh", func() error { return r.Grant(ctx) }); err != nil {
		return err
	}
	at := r.AccessToken()
	err = m.measure("introspection", "introspection", func() error { return loadgen.Introspect(ps.HTTP, issuer+"/oauth/introspect", ps.OAuth, at) })
	if err != nil {
		return err
	}
	fmt.Printf("\npeak memory (VmHWM, whole process): %s\n", peakRSS())
	return nil
}

// setup is a broker on a bbolt file serving on a loopback port, the demo
// upstream its people sign in at, and the driver of their sign-ins.
type setup struct {
	issuer  string
	ps      *loadgen.Passerelle
	closers []func() error
}

// start starts a setup in dir for people people and workers concurrent
// clients; the people are enrolled (their authenticator apps set up)
// before it returns.
func start(dir string, people, workers int) (*setup, error) {
	s := &setup{}
	if err := s.open(dir, people, workers); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *setup) open(dir string, people, workers int) error {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	st, err := bolt.Open(dir+"/bench.db", bolt.Options{})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, st.Close)
	// The broker's clock moves on when the people run out of TOTP steps.
	clk := &loadgen.Clock{}
	pp := loadgen.NewPeople(people, clk.Now, clk.Advance)
	b, err := loadgen.StartBroker(st, pp, clk, nil)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, b.Close)
	s.issuer = b.Issuer
	s.ps = loadgen.NewPasserelle(s.issuer, &loadgen.Transport{MaxIdlePerHost: 4 * workers}, pp)
	_, err = s.ps.EnrolAll(context.Background(), workers)
	return err
}

// close stops what start started, last first.
func (s *setup) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i]()
	}
}

// measurer runs each operation for dur with workers clients; with
// profDir set, it writes a CPU profile of each full-load run there.
type measurer struct {
	dur     time.Duration
	workers int
	profDir string
}

// measure runs op at full load, then paced at half the rate it reached,
// and prints the figures. The load generator's goroutines carry the label
// part=loadgen (as do the HTTP connections they dial).
func (m measurer) measure(name, file string, op func() error) error {
	var perOp time.Duration
	var allocs, bytes uint64
	var r loadgen.Result
	var err error
	pprof.Do(context.Background(), pprof.Labels("part", "loadgen"), func(context.Context) {
		r, err = loadgen.Measure(m.dur, m.workers, op, func() func(int) {
			stop := func() {}
			if m.profDir != "" {
				stop = loadgen.StartProfile(filepath.Join(m.profDir, file+".pprof"))
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			before := cpuTime()
			return func(n int) {
				if n > 0 {
					perOp = (cpuTime() - before) / time.Duration(n)
					runtime.ReadMemStats(&ms1)
					allocs, bytes = (ms1.Mallocs-ms0.Mallocs)/uint64(n), (ms1.TotalAlloc-ms0.TotalAlloc)/uint64(n)
				}
				stop()
			}
		})
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Printf("%-26s %10.0f %10s %10d %9dK %10s %10s\n", name, r.Peak, perOp.Round(time.Microsecond), allocs, bytes>>10,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond))
	return nil
}

// cpuTime is the user and system CPU time this process has used: the
// broker, the upstream and the load generator together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(sc.Text(), "VmHWM:"))
		}
	}
	return "unknown"
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

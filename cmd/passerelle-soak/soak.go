package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
)

// op is one operation of the mixed load and what it did this minute.
type op struct {
	name string
	rate float64
	do   func() error

	mu       sync.Mutex
	lat      []time.Duration
	errs     int
	firstErr error
}

// take returns this minute's latencies and errors and starts the next.
func (o *op) take() ([]time.Duration, int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	lat, errs, first := o.lat, o.errs, o.firstErr
	o.lat, o.errs, o.firstErr = nil, 0, nil
	return lat, errs, first
}

// record keeps one run's latency, or counts its error; the soak goes on
// after errors.
func (o *op) record(_ int, d time.Duration, err error) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.errs++
		if o.firstErr == nil {
			o.firstErr = err
		}
	} else {
		o.lat = append(o.lat, d)
	}
	return true
}

// sample is what the server looks like at the end of a minute.
type sample struct {
	rss, heap, storeBytes int64
	// anon and file split the resident set (Linux): anonymous memory
	// (Go heap, stacks, runtime) and mapped files (the binary and, on
	// bbolt, the pages of the store file the server has touched).
	anon, file            int64
	goroutines, openFiles int64
	err                   error
}

// soak runs ops for dur and prints one block per minute.
func soak(dur time.Duration, workers int, ops []*op, look func() sample) error {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, o := range ops {
		if o.rate > 0 {
			wg.Go(func() { loadgen.Pace(ctx, workers, o.rate, o.do, o.record) })
		}
	}
	first, last := map[string]time.Duration{}, map[string]time.Duration{}
	fmt.Printf("%4s %-11s %7s %5s %9s %9s   %s\n", "min", "operation", "count", "errs", "p50", "p99", "server after the minute")
	minutes := int(dur / time.Minute)
	next := time.Now()
	for m := 1; m <= minutes; m++ {
		next = next.Add(time.Minute)
		time.Sleep(time.Until(next))
		s := look()
		for i, o := range ops {
			lat, errs, firstErr := o.take()
			p50, p99 := loadgen.Pct(lat, 0.50), loadgen.Pct(lat, 0.99)
			if m == 1 {
				first[o.name] = p99
			}
			last[o.name] = p99
			right := ""
			switch i {
			case 0:
				right = fmt.Sprintf("RSS %s (anon %s, file %s), heap %s, store %s",
					mib(s.rss), mib(s.anon), mib(s.file), mib(s.heap), mib(s.storeBytes))
			case 1:
				right = fmt.Sprintf("goroutines %d, open files %d", s.goroutines, s.openFiles)
			case 2:
				if s.err != nil {
					right = "metrics: " + s.err.Error()
				}
			}
			fmt.Printf("%4d %-11s %7d %5d %9s %9s   %s\n", m, o.name, len(lat), errs, round(p50), round(p99), right)
			if firstErr != nil {
				fmt.Printf("     first error: %.300s\n", firstErr)
			}
		}
	}
	stop()
	wg.Wait()
	fmt.Println()
	for _, o := range ops {
		ratio := 0.0
		if first[o.name] > 0 {
			ratio = float64(last[o.name]) / float64(first[o.name])
		}
		fmt.Printf("%-11s p99 first minute %s, last minute %s (%.2f×)\n", o.name, round(first[o.name]), round(last[o.name]), ratio)
	}
	return nil
}

// scrape reads the server's process and Go metrics, its resident set's
// split (/proc/PID/status) and the store size.
func scrape(metricsURL string, pid int, storeSize func() int64) sample {
	s := sample{storeBytes: storeSize()}
	s.anon, s.file = residentSplit(pid)
	resp, err := http.Get(metricsURL)
	if err != nil {
		s.err = err
		return s
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			s.rss = int64(f)
		case "go_memstats_heap_inuse_bytes":
			s.heap = int64(f)
		case "go_goroutines":
			s.goroutines = int64(f)
		case "process_open_fds":
			s.openFiles = int64(f)
		}
	}
	s.err = sc.Err()
	return s
}

// residentSplit reads RssAnon and RssFile of process pid, in bytes; 0
// where /proc does not say.
func residentSplit(pid int) (anon, file int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "RssAnon":
			anon = kb << 10
		case "RssFile":
			file = kb << 10
		}
	}
	return anon, file
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func round(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

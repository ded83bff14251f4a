package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
)

// proc is a process whose CPU time is accounted during a measurement.
type proc struct {
	name string
	pid  int
}

// result is one operation measured at one provider.
type result struct {
	loadgen.Result
	cpu  map[string]float64 // process → CPU seconds per operation at full load
	busy map[string]float64 // process → cores busy at full load
	// machine is the cores the whole machine kept busy at full load:
	// these processes and everyone else's.
	machine float64
	perf    []string // hottest functions of the server at full load
	hops    hopTimes // the paced run's runs and hops, when timed
}

// measurer runs operations the same way at every provider.
type measurer struct {
	dur     time.Duration
	workers int
	perfDir string // where perf writes; "" without perf
	hops    *hops  // times the paced run's runs and hops; nil times none
}

// measure runs op as loadgen.Measure does, accounting the CPU time of
// procs and profiling server with perf during the full-load run; with
// profile set, it also writes a CPU profile of this process (the load
// generator) during that run there.
func (m *measurer) measure(op func() error, procs []proc, server proc, profile string) (result, error) {
	r := result{cpu: map[string]float64{}, busy: map[string]float64{}}
	var err error
	if m.hops != nil {
		op = m.hops.timed(op)
	}
	r.Result, err = loadgen.Measure(m.dur, m.workers, op, func() func(int) {
		stopProfile := loadgen.StartProfile(profile)
		before, machineBefore := cpuTimes(procs), machineBusy()
		var perfDone func() []string
		if m.perfDir != "" && server.pid > 0 {
			perfDone = startPerf(m.perfDir, server.pid, m.dur)
		}
		return func(n int) {
			if m.hops != nil {
				// The paced run follows.
				defer m.hops.start()
			}
			stopProfile()
			after := cpuTimes(procs)
			r.machine = (machineBusy() - machineBefore) / m.dur.Seconds()
			if perfDone != nil {
				r.perf = perfDone()
			}
			for _, p := range procs {
				d := after[p.name] - before[p.name]
				r.busy[p.name] = d / m.dur.Seconds()
				if n > 0 {
					r.cpu[p.name] = d / float64(n)
				}
			}
		}
	})
	if m.hops != nil {
		r.hops = m.hops.stop()
	}
	return r, err
}

// cpuTimes reads each process's user+system CPU seconds from /proc; a
// negative pid stands for every postgres process.
func cpuTimes(procs []proc) map[string]float64 {
	out := map[string]float64{}
	for _, p := range procs {
		if p.pid < 0 {
			out[p.name] = postgresCPU()
			continue
		}
		out[p.name] = procCPU(p.pid)
	}
	return out
}

// machineBusy is the CPU seconds the whole machine has spent busy (every
// core, every process: the first line of /proc/stat without idle and
// iowait).
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy float64
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i != 3 && i != 4 && i < 8 { // idle, iowait; guest time is already in user
			busy += n
		}
	}
	return busy / 100 // USER_HZ
}

// postgresCPU sums the CPU seconds of every process named postgres (the
// server and its backends).
func postgresCPU() float64 {
	ents, _ := os.ReadDir("/proc")
	var sum float64
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(b)) == "postgres" {
			sum += procCPU(pid)
		}
	}
	return sum
}

// procCPU is one process's user+system CPU seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which ends at the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// startPerf samples pid's on-CPU functions with perf for dur; the
// returned function waits and gives the hottest ones.
func startPerf(dir string, pid int, dur time.Duration) func() []string {
	f, err := os.CreateTemp(dir, "perf-*.data")
	if err != nil {
		return func() []string { return nil }
	}
	f.Close()
	cmd := exec.Command("perf", "record", "-q", "-F", "499", "-p", strconv.Itoa(pid), "-o", f.Name(),
		"--", "sleep", strconv.FormatFloat(dur.Seconds(), 'f', 1, 64))
	if err := cmd.Start(); err != nil {
		return func() []string { return nil }
	}
	return func() []string {
		_ = cmd.Wait()
		defer os.Remove(f.Name())
		out, err := exec.Command("perf", "report", "-i", f.Name(), "--stdio", "-q", "--sort", "sym").Output()
		if err != nil {
			return nil
		}
		return topSymbols(string(out), 6)
	}
}

// topSymbols parses perf report lines ("  12.34%  [.] runtime.mallocgc").
func topSymbols(report string, n int) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() && len(out) < n {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || !strings.HasSuffix(f[0], "%") {
			continue
		}
		out = append(out, fmt.Sprintf("%6s %s", f[0], shorten(strings.Join(f[2:], " "))))
	}
	return out
}

func shorten(sym string) string {
	if len(sym) > 70 {
		return sym[:67] + "..."
	}
	return sym
}

// perfAvailable says whether perf can sample this process's children.
func perfAvailable(dir string) bool {
	if _, err := exec.LookPath("perf"); err != nil {
		return false
	}
	f := filepath.Join(dir, "perf-probe.data")
	defer os.Remove(f)
	return exec.Command("perf", "record", "-q", "-o", f, "--", "true").Run() == nil
}

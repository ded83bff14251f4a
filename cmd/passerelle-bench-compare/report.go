package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// side is one provider and the processes whose CPU is accounted with it;
// the first is the server.
type side struct {
	t     *target
	procs []proc
}

// row is one operation measured at both providers.
type row struct {
	op   string
	a, b result
}

// both measures the operation op makes at each side in turn, with the
// same load generator and worker count, and prints a block. file names
// the operation in the load generator's profiles, when they are written.
func (c *compare) both(name, file string, sides []side, op func(*target) func() error) (row, error) {
	r := row{op: name}
	for i, s := range sides {
		var profile string
		if c.harnessProfiles != "" {
			profile = filepath.Join(c.harnessProfiles, "loadgen-"+file+"-"+strings.Fields(strings.ToLower(s.t.name))[0]+".pprof")
		}
		res, err := c.m.measure(op(s.t), s.procs, s.procs[0], profile)
		if err != nil {
			return r, fmt.Errorf("%s at %s: %w", name, s.t.name, err)
		}
		if i == 0 {
			r.a = res
		} else {
			r.b = res
		}
	}
	fmt.Printf("== %s ==\n", name)
	fmt.Printf("  %-28s %12s %12s %14s\n", "", sides[0].t.name, sides[1].t.name, "Passerelle ÷ example")
	fmt.Printf("  %-28s %12.0f %12.0f %14.2f\n", "peak per second", r.a.Peak, r.b.Peak, ratio(r.a.Peak, r.b.Peak))
	fmt.Printf("  %-28s %12s %12s %14.2f\n", "p50 at half load", ms(r.a.P50), ms(r.b.P50), ratio(float64(r.a.P50), float64(r.b.P50)))
	fmt.Printf("  %-28s %12s %12s %14.2f\n", "p99 at half load", ms(r.a.P99), ms(r.b.P99), ratio(float64(r.a.P99), float64(r.b.P99)))
	ca, cb := r.a.cpu[sides[0].procs[0].name], r.b.cpu[sides[1].procs[0].name]
	fmt.Printf("  %-28s %12s %12s %14.2f\n", "server CPU per operation", cpuMS(ca), cpuMS(cb), ratio(ca, cb))
	for i, s := range sides {
		res := []result{r.a, r.b}[i]
		var parts []string
		for _, p := range s.procs {
			parts = append(parts, fmt.Sprintf("%s %.2f (%s/op)", p.name, res.busy[p.name], cpuMS(res.cpu[p.name])))
		}
		fmt.Printf("  cores busy at peak, %s run: %s\n", s.t.name, strings.Join(parts, ", "))
	}
	for i, s := range sides {
		fmt.Printf("  what limits it, %s run: %s\n", s.t.name, limits([]result{r.a, r.b}[i], s.procs))
	}
	r.a.hops.print(sides[0].t.name, r.a.Result)
	r.b.hops.print(sides[1].t.name, r.b.Result)
	if len(r.a.perf)+len(r.b.perf) > 0 {
		fmt.Printf("  hottest functions at full load (perf, self time):\n")
		fmt.Printf("    %-48s %s\n", sides[0].t.name, sides[1].t.name)
		for i := range max(len(r.a.perf), len(r.b.perf)) {
			fmt.Printf("    %-48s %s\n", clip(at(r.a.perf, i), 48), clip(at(r.b.perf, i), 60))
		}
	}
	fmt.Println()
	return r, nil
}

// limits says what capped res's peak: the machine's cores (then how much
// of them the server had, and the rate the server alone could reach on
// every core at its CPU per operation, and the harness alone), or waiting (the cores were not
// all busy: the server waited on its disk commits or round trips).
// procs[0] is the server; the others are the harness.
func limits(res result, procs []proc) string {
	cores := float64(runtime.NumCPU())
	var ours, harness float64
	for i, p := range procs {
		ours += res.busy[p.name]
		if i > 0 {
			harness += res.cpu[p.name]
		}
	}
	server := res.cpu[procs[0].name]
	others := max(0, res.machine-ours)
	var what string
	if res.machine >= 0.9*cores {
		what = fmt.Sprintf("CPU: the machine's %.0f cores were busy (%.2f: these processes %.2f, others on the machine %.2f)",
			cores, res.machine, ours, others)
	} else {
		what = fmt.Sprintf("waiting, not CPU: the machine kept %.2f of %.0f cores busy (these processes %.2f, others %.2f); the server waits on disk commits or round trips",
			res.machine, cores, ours, others)
	}
	if server > 0 && harness > 0 {
		what += fmt.Sprintf("; CPU ceilings on %.0f cores at these CPU/op: all of them together %.0f/s, the server alone %.0f/s, the harness alone %.0f/s",
			cores, cores/(server+harness), cores/server, cores/harness)
	}
	return what
}

// printSummary is the table of every figure and ratio.
func printSummary(rows []row) {
	fmt.Println("== summary (ratio = Passerelle ÷ example OP; throughput below 1 and latency above 1 mean Passerelle does less) ==")
	fmt.Printf("  %-40s %10s %10s %7s   %10s %10s %7s\n", "operation", "Passerelle", "example", "ratio", "p99 P", "p99 ex", "ratio")
	for _, r := range rows {
		fmt.Printf("  %-40s %10.0f %10.0f %7.2f   %10s %10s %7.2f\n", r.op, r.a.Peak, r.b.Peak, ratio(r.a.Peak, r.b.Peak),
			ms(r.a.P99), ms(r.b.P99), ratio(float64(r.a.P99), float64(r.b.P99)))
	}
	fmt.Println()
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func cpuMS(sec float64) string {
	return fmt.Sprintf("%.3fms", sec*1000)
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

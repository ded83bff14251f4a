package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
	"github.com/passerelle/passerelle/internal/pgtest"
	"github.com/passerelle/passerelle/store"
	"github.com/passerelle/passerelle/store/bolt"
	"github.com/passerelle/passerelle/store/postgres"
)

// bbolt and PostgreSQL are compared in this process, so that runtime/pprof
// sees the broker: the broker package on each store, the demo upstream
// beside it, the same load generator, and a clock the bench moves so that
// few people suffice for fresh TOTP codes (as cmd/passerelle-bench does).

// runStores measures Passerelle on bbolt, then on PostgreSQL when dsn is
// set, and prints both with their ratio and a CPU profile of each. It
// returns each store's results (sign-in, refresh, introspection), bbolt
// first.
func runStores(m *measurer, dsn, profDir string) ([][]result, error) {
	fmt.Println("== Passerelle's own figures: bbolt against PostgreSQL (in-process broker, same load, same upstream) ==")
	type run struct {
		name, profile string
		rows          []result
	}
	var runs []run
	bo, err := storeRun(m, "bbolt", func(now func() time.Time) (store.Store, func(), error) {
		dir, err := os.MkdirTemp("", "passerelle-bench-compare-bolt")
		if err != nil {
			return nil, nil, err
		}
		st, err := bolt.Open(filepath.Join(dir, "bench.db"), bolt.Options{Now: now})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close(); os.RemoveAll(dir) }, nil
	}, profDir)
	if err != nil {
		return nil, fmt.Errorf("bbolt: %w", err)
	}
	runs = append(runs, run{"bbolt", filepath.Join(profDir, "passerelle-bbolt.pprof"), bo})
	if dsn == "" {
		fmt.Println("  PostgreSQL: skipped (set PASSERELLE_TEST_POSTGRES_DSN, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	} else {
		pg, err := storeRun(m, "PostgreSQL", func(now func() time.Time) (store.Store, func(), error) {
			return openPostgres(dsn, now)
		}, profDir)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL: %w", err)
		}
		runs = append(runs, run{"PostgreSQL", filepath.Join(profDir, "passerelle-postgresql.pprof"), pg})
	}
	names := []string{"sign-in (upstream + TOTP)/s", "refresh_token grant/s", "introspection/s"}
	fmt.Printf("  %-30s %10s %10s %10s %7s   %10s %10s\n", "operation", "bbolt", "p99", "PostgreSQL", "ratio", "p99", "CPU/op")
	for i, n := range names {
		a := runs[0].rows[i]
		if len(runs) == 1 {
			fmt.Printf("  %-30s %10.0f %10s\n", n, a.Peak, ms(a.P99))
			continue
		}
		b := runs[1].rows[i]
		fmt.Printf("  %-30s %10.0f %10s %10.0f %7.2f   %10s   bbolt %s, PostgreSQL %s + server %s\n", n, a.Peak, ms(a.P99), b.Peak,
			ratio(b.Peak, a.Peak), ms(b.P99), cpuMS(a.cpu["this process"]), cpuMS(b.cpu["this process"]), cpuMS(b.cpu["postgres server"]))
	}
	fmt.Println("  (ratio = PostgreSQL ÷ bbolt; CPU/op: this process holds the broker, the upstream and the load generator)")
	for _, r := range runs {
		fmt.Printf("\n  CPU profile, %s run (full and half load): %s\n", r.name, r.profile)
		printTop(r.profile)
	}
	fmt.Println()
	var out [][]result
	for _, r := range runs {
		out = append(out, r.rows)
	}
	return out, nil
}

// storeRun builds a broker on the store open returns, enrols people, and
// measures the three operations under a CPU profile.
func storeRun(m *measurer, name string, open func(func() time.Time) (store.Store, func(), error), profDir string) ([]result, error) {
	clk := &loadgen.Clock{}
	st, closeStore, err := open(clk.Now)
	if err != nil {
		return nil, err
	}
	defer closeStore()
	pp := loadgen.NewPeople(16*m.workers, clk.Now, clk.Advance)
	b, err := loadgen.StartBroker(st, pp, clk, clk.Now)
	if err != nil {
		return nil, err
	}
	defer b.Close()

	ctx := context.Background()
	pt, ps := newPasserelle(b.Issuer, newTransport(m.workers, nil), pp)
	took, err := ps.EnrolAll(ctx, m.workers)
	if err != nil {
		return nil, err
	}
	fmt.Printf("  %s: %d people enrolled in %s\n", name, len(pp.Names), took.Round(time.Millisecond))
	if err := printWrites(ctx, name, st, pt); err != nil {
		return nil, err
	}
	r, err := loadgen.NewRefresher(ctx, pt.http, pt.oauth, 4*m.workers, pt.signIn)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(profDir, "passerelle-"+strings.ToLower(name)+".pprof"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	defer pprof.StopCPUProfile()
	procs := []proc{{"this process", os.Getpid()}, {"postgres server", -1}}
	ops := []func() error{
		func() error { _, err := pt.signIn(ctx); return err },
		func() error { return r.Grant(ctx) },
		nil,
	}
	var out []result
	for i, op := range ops {
		if op == nil {
			at := r.AccessToken()
			op = func() error { return loadgen.Introspect(pt.http, pt.introspect, pt.oauth, at) }
		}
		res, err := m.measure(op, procs, proc{}, "")
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// durableCounter is a store that counts the durable writes its callers
// wait for (bbolt commits, PostgreSQL WAL-flushed commits).
type durableCounter interface{ Writes() int64 }

// printWrites runs one returning person's sign-in alone and prints the
// durable writes (and PostgreSQL statements) it took.
func printWrites(ctx context.Context, name string, st store.Store, pt *target) error {
	c, ok := st.(durableCounter)
	if !ok {
		return nil
	}
	stmts, _ := st.(interface{ Statements() int64 })
	var s0 int64
	if stmts != nil {
		s0 = stmts.Statements()
	}
	w0 := c.Writes()
	if _, err := pt.signIn(ctx); err != nil {
		return err
	}
	fmt.Printf("  %s: one returning sign-in (upstream + TOTP + token exchange) made %d durable writes", name, c.Writes()-w0)
	if stmts != nil {
		fmt.Printf(" in %d statements", stmts.Statements()-s0)
	}
	fmt.Println(" (the audit log's group commits, shared by every sign-in, not counted in either)")
	return nil
}

// openPostgres opens the store in a fresh schema, dropped when closed.
func openPostgres(dsn string, now func() time.Time) (store.Store, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schema, drop, err := pgtest.Create(ctx, dsn, "passerelle_bench_")
	if err != nil {
		return nil, nil, fmt.Errorf("create schema: %w", err)
	}
	st, err := postgres.Open(ctx, pgtest.WithSearchPath(dsn, schema), postgres.Options{Now: now})
	if err != nil {
		_ = drop(ctx)
		return nil, nil, err
	}
	return st, func() {
		st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = drop(ctx)
	}, nil
}

// printTop prints the ten functions with the most self time in profile.
func printTop(profile string) {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=10", profile).Output()
	if err != nil {
		fmt.Println("    (go tool pprof is not available: open the file with it)")
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "flat") {
			for _, l := range lines[i:] {
				fmt.Println("    " + l)
			}
			return
		}
	}
}

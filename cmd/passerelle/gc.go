package main

import (
	"errors"
	"log/slog"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// serveGCPercent is the garbage collector's target (GOGC) that serve and
// demo run at when the environment sets none. Each sign-in allocates
// about 350 KB, and at Go's default of 100 the collector took about a
// sixth of the CPU: the broker's benchmarks (BenchmarkSignIn/bbolt,
// BenchmarkRefreshGrant, BenchmarkIntrospection), run alternately at
// GOGC=100 and 400, spent 15-20% less CPU per operation at 400 in three
// pairs of four (the fourth ran while the machine was slow for both). The
// price is memory: the heap grows to five times the live one between
// collections instead of twice (one minute of make soak at 200
// sign-ins, 1,000 refresh grants and 3,000 introspections a second: RSS
// 347 MiB at 100, 454 MiB at 200, 691 MiB at 400).
//
// So that the higher target never runs a container out of memory, the
// collector also gets a ceiling, as Go's GC guide advises with a high
// GOGC: GOMEMLIMIT at 90% of the cgroup's memory limit
// (automemlimit), when there is one; near it the collector works harder
// instead of growing the heap. GOGC, GOMEMLIMIT and AUTOMEMLIMIT (a
// ratio, or off) in the environment still decide.
const serveGCPercent = 400

// tuneGC sets the collector's target to serveGCPercent unless the
// environment has a GOGC, and its memory ceiling from the cgroup's limit
// (provider) unless the environment has a GOMEMLIMIT. It logs the
// ceiling it set, or why it set none: a warning when the limit could not
// be read, a debug line on a system without cgroups (a developer's Mac).
func tuneGC(provider memlimit.Provider, logger *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	limit, err := memlimit.Set(memlimit.WithProvider(provider))
	switch {
	case errors.Is(err, memlimit.ErrCgroupsNotSupported):
		logger.Debug("no memory ceiling for the garbage collector", "error", err)
	case err != nil:
		logger.Warn("no memory ceiling for the garbage collector", "error", err)
	case limit != math.MaxInt64:
		logger.Info("garbage collector memory ceiling", "GOMEMLIMIT", limit)
	}
}

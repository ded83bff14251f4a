package main

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// TestTuneGC: with no GOGC in the environment serve's collector target
// is serveGCPercent, with one the runtime's reading of it stays; a
// cgroup limit becomes a ceiling at 90% of it, logged; no limit sets
// none; a limit that cannot be read is a warning, not a failure, and a
// system without cgroups is no warning at all.
func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("AUTOMEMLIMIT", "")
	os.Unsetenv("AUTOMEMLIMIT") // t.Setenv puts it back
	gc := debug.SetGCPercent(100)
	mem := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(mem)
	})
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))

	tuneGC(memlimit.Limit(1000<<20), logger)
	if got := gcPercent(); got != serveGCPercent {
		t.Errorf("no GOGC: target %d, want %d", got, serveGCPercent)
	}
	if got, want := debug.SetMemoryLimit(-1), int64(900<<20); got != want {
		t.Errorf("cgroup limit 1000 MiB: ceiling %d, want %d", got, want)
	}
	if !strings.Contains(log.String(), "GOMEMLIMIT=943718400") {
		t.Errorf("the ceiling is not logged: %s", log.String())
	}

	debug.SetGCPercent(100)
	t.Setenv("GOGC", "100")
	tuneGC(func() (uint64, error) { return 0, memlimit.ErrNoLimit }, logger)
	if got := gcPercent(); got != 100 {
		t.Errorf("GOGC=100: target %d, want it kept", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("no cgroup limit: ceiling %d, want none", got)
	}

	log.Reset()
	tuneGC(func() (uint64, error) { return 0, errors.New("cgroup unreadable") }, logger)
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "cgroup unreadable") {
		t.Errorf("an unreadable limit is not warned about: %s", log.String())
	}
	log.Reset()
	tuneGC(func() (uint64, error) { return 0, memlimit.ErrCgroupsNotSupported }, logger)
	if strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "level=DEBUG") {
		t.Errorf("no cgroups on the system: want a debug line, not a warning: %s", log.String())
	}
}

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

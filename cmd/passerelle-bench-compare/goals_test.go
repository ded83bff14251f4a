package main

import (
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
)

func TestGoalLines(t *testing.T) {
	res := func(peak float64, p99 time.Duration) result {
		return result{Result: loadgen.Result{Peak: peak, P99: p99}}
	}
	// Each goal at its boundary at Passerelle (a), the example OP (b) on
	// the other side of it: a goal read from the wrong side flips.
	side := []row{
		{a: res(1000, 19*time.Millisecond), b: res(999, 21*time.Millisecond)},
		{a: res(4999, 0), b: res(5000, 0)},
		{a: res(20000, 0), b: res(1, 0)},
	}
	stores := [][]result{{res(100, 0), res(100, 0), res(100, 0)}, {res(60, 0), res(59, 0), res(61, 0)}}
	want := map[string]string{
		"sign-ins per second at Passerelle": "met",
		"Passerelle ÷ example OP":           "met", // 1000 ÷ 999
		"p99 at half of peak":               "met",
		"refresh grants per second":         "not met",
		"introspections per second":         "met",
		"sign-in, PostgreSQL":               "met",
		"refresh_token grant, PostgreSQL":   "not met",
		"introspection, PostgreSQL":         "met",
	}
	lines := goalLines(side, stores)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for part, verdict := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, part) {
				found = true
				if got := strings.TrimSpace(l[strings.LastIndex(l, "   "):]); got != verdict {
					t.Errorf("%q: %q, want %q", l, got, verdict)
				}
			}
		}
		if !found {
			t.Errorf("no line for %q in\n%s", part, strings.Join(lines, "\n"))
		}
	}
	if l := goalLines(nil, stores[:1]); len(l) != 2 || !strings.Contains(l[0], "not measured") || !strings.Contains(l[1], "not measured") {
		t.Fatalf("without the side-by-side run or PostgreSQL: %q", l)
	}
}

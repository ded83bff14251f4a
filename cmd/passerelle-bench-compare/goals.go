package main

import (
	"fmt"
	"time"
)

// Issue 15's goals, on this machine with the upstream and the load
// generator in their own processes: figures beside them, never a failure.
const (
	goalSignIns       = 1000                  // complete sign-ins per second
	goalSignInRatio   = 1.0                   // Passerelle ÷ example OP, sign-ins
	goalSignInP99     = 20 * time.Millisecond // p99 at half of peak, below
	goalRefreshes     = 5000                  // refresh grants per second
	goalIntrospection = 20000                 // introspections per second
	goalPostgres      = 0.60                  // PostgreSQL ÷ bbolt, each flow
)

// printGoals prints goalLines.
func printGoals(side []row, stores [][]result) {
	fmt.Println("== the goals of issue 15 (figures only: the run never fails on a goal) ==")
	for _, l := range goalLines(side, stores) {
		fmt.Println(l)
	}
	fmt.Println()
}

// goalLines are each goal, the figure measured and whether it is met:
// side holds the side-by-side rows (sign-in, refresh, introspection),
// stores the in-process results per store (bbolt, then PostgreSQL). A
// goal whose figure was not measured says so.
func goalLines(side []row, stores [][]result) []string {
	var out []string
	line := func(goal, figure string, met bool) {
		verdict := "not met"
		if met {
			verdict = "met"
		}
		out = append(out, fmt.Sprintf("  %-52s %10s   %s", goal, figure, verdict))
	}
	if len(side) == 3 {
		s, r, i := side[0], side[1], side[2]
		line(fmt.Sprintf("sign-ins per second at Passerelle ≥ %d", goalSignIns), fmt.Sprintf("%.0f", s.a.Peak), s.a.Peak >= goalSignIns)
		sr := ratio(s.a.Peak, s.b.Peak)
		line(fmt.Sprintf("sign-ins, Passerelle ÷ example OP ≥ %.1f", goalSignInRatio), fmt.Sprintf("%.2f", sr), sr >= goalSignInRatio)
		line(fmt.Sprintf("sign-in p99 at half of peak < %s", goalSignInP99), ms(s.a.P99), s.a.P99 < goalSignInP99)
		line(fmt.Sprintf("refresh grants per second ≥ %d", goalRefreshes), fmt.Sprintf("%.0f", r.a.Peak), r.a.Peak >= goalRefreshes)
		line(fmt.Sprintf("introspections per second ≥ %d", goalIntrospection), fmt.Sprintf("%.0f", i.a.Peak), i.a.Peak >= goalIntrospection)
	} else {
		out = append(out, "  side by side (sign-ins, their p99, refresh, introspection): not measured in this run")
	}
	if len(stores) == 2 {
		for k, name := range []string{"sign-in", "refresh_token grant", "introspection"} {
			pr := ratio(stores[1][k].Peak, stores[0][k].Peak)
			line(fmt.Sprintf("%s, PostgreSQL ÷ bbolt ≥ %.2f", name, goalPostgres), fmt.Sprintf("%.2f", pr), pr >= goalPostgres)
		}
	} else {
		out = append(out, fmt.Sprintf("  PostgreSQL ÷ bbolt ≥ %.2f: not measured (no PostgreSQL in this run)", goalPostgres))
	}
	return out
}

package loadgen

import (
	"context"
	"testing"
	"time"
)

// TestPaceCountsTheWait: a stalled run holds the only worker; the run
// that fell due meanwhile counts its wait for the worker in its latency
// (a closed loop timed from its own start would report it as instant).
func TestPaceCountsTheWait(t *testing.T) {
	const stall = 50 * time.Millisecond
	var lat []time.Duration
	calls := 0
	op := func() error {
		calls++
		if calls == 1 {
			time.Sleep(stall) // the server stalls once; the test does not wait on it
		}
		return nil
	}
	Pace(context.Background(), 1, 1000, op, func(_ int, d time.Duration, err error) bool {
		if err != nil {
			t.Fatal(err)
		}
		lat = append(lat, d)
		return len(lat) < 2
	})
	// The second run fell due 1 ms after the first and started after the
	// stall: at least stall-1ms late, whatever the machine's speed.
	if lat[0] < stall || lat[1] < stall-time.Millisecond {
		t.Fatalf("latencies %v: the wait behind the stall is not counted", lat)
	}
}

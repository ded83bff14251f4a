package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldFetch is a coalescedRead's fetch that answers each key with its
// own text ("row of k"), but for keys in missing, and holds every
// statement until the test releases it, recording the keys it was given.
type heldFetch struct {
	missing map[string]bool
	fail    error

	mu         sync.Mutex
	statements [][]string
	started    chan []string
	release    chan struct{}
}

func newHeldFetch() *heldFetch {
	return &heldFetch{started: make(chan []string, 100), release: make(chan struct{}, 100)}
}

func (h *heldFetch) fetch(ctx context.Context, keys []string) (map[string]string, error) {
	h.mu.Lock()
	h.statements = append(h.statements, slices.Clone(keys))
	h.mu.Unlock()
	h.started <- keys
	<-h.release
	if h.fail != nil {
		return nil, h.fail
	}
	rows := map[string]string{}
	for _, k := range keys {
		if !h.missing[k] {
			rows[k] = "row of " + k
		}
	}
	return rows, nil
}

// testClock is a clock the test moves.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// holdStalls makes c's queued reads wait for the statement running
// however long the test holds it, until the test moves the clock it
// returns by an hour and calls c.unstall as the timer would.
func holdStalls[R any](c *coalescedRead[string, R]) *testClock {
	clk := &testClock{}
	c.stall, c.clock = time.Hour, clk.now
	return clk
}

// newHeldRead is a coalescedRead over h whose reads stall only when the
// test says so.
func newHeldRead(h *heldFetch) (*coalescedRead[string, string], *testClock) {
	c := newCoalescedRead(h.fetch, time.Minute)
	return c, holdStalls(c)
}

// queuedReads waits until n reads are queued behind the statement
// running (without sleeping: the queue is there to be looked at).
func queuedReads[R any](c *coalescedRead[string, R], n int) {
	for {
		c.mu.Lock()
		got := len(c.queued)
		c.mu.Unlock()
		if got >= n {
			return
		}
		runtime.Gosched()
	}
}

// runningStatements is how many statements c runs or is about to.
func runningStatements[R any](c *coalescedRead[string, R]) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}

type readResult struct {
	key, row string
	found    bool
	err      error
}

// holdingFirst is a coalescedRead over a heldFetch (newHeldRead) whose
// first read, of key, is running: its statement has begun and is held.
// It returns where that read's result arrives.
func holdingFirst(t *testing.T, key string) (*heldFetch, *coalescedRead[string, string], *testClock, chan readResult) {
	h := newHeldFetch()
	c, clk := newHeldRead(h)
	first := readAll(t.Context(), c, key)
	<-h.started
	return h, c, clk, first
}

// readAll starts a read of each key and returns where their results
// arrive.
func readAll(ctx context.Context, c *coalescedRead[string, string], keys ...string) chan readResult {
	out := make(chan readResult, len(keys))
	for _, k := range keys {
		go func() {
			row, found, err := c.get(ctx, k)
			out <- readResult{k, row, found, err}
		}()
	}
	return out
}

// TestCoalescedReadsQueueBehindStatement: a lone read is a statement of
// its own; the reads asked for while it runs wait for it to end and then
// go together, each key once, in one statement that began after they
// were asked for; each gets its own row, a missing key none.
func TestCoalescedReadsQueueBehindStatement(t *testing.T) {
	h := newHeldFetch()
	h.missing = map[string]bool{"gone": true}
	c, _ := newHeldRead(h)
	ctx := t.Context()

	first := readAll(ctx, c, "a")
	if got := <-h.started; !slices.Equal(got, []string{"a"}) {
		t.Fatalf("the first statement read %q, want [a]", got)
	}
	queued := readAll(ctx, c, "a", "b", "gone", "b")
	queuedReads(c, 4)
	select {
	case keys := <-h.started:
		t.Fatalf("a statement of %q began while the first ran", keys)
	default:
	}
	h.release <- struct{}{}
	if r := <-first; r.row != "row of a" || !r.found || r.err != nil {
		t.Fatalf("first read: %+v", r)
	}
	second := <-h.started
	slices.Sort(second)
	if !slices.Equal(second, []string{"a", "b", "gone"}) {
		t.Fatalf("the reads queued went as %q, want each key once in one statement", second)
	}
	h.release <- struct{}{}
	for range 4 {
		r := <-queued
		switch {
		case r.err != nil:
			t.Errorf("read of %s: %v", r.key, r.err)
		case r.key == "gone" && r.found:
			t.Errorf("a missing key was found: %q", r.row)
		case r.key != "gone" && (!r.found || r.row != "row of "+r.key):
			t.Errorf("read of %s gave %q (found %v)", r.key, r.row, r.found)
		}
	}
	// The statement's place is given back: the next read runs at once.
	next := readAll(ctx, c, "c")
	if got := <-h.started; !slices.Equal(got, []string{"c"}) {
		t.Fatalf("a read after the queue emptied went as %q", got)
	}
	h.release <- struct{}{}
	if r := <-next; r.row != "row of c" {
		t.Fatalf("read after: %+v", r)
	}
}

// TestCoalescedReadsBounded: reads queued past coalescedMaxKeys go in as
// many statements as it takes, none of more keys.
func TestCoalescedReadsBounded(t *testing.T) {
	h, c, _, first := holdingFirst(t, "first")
	ctx := t.Context()
	keys := make([]string, 2*coalescedMaxKeys+1)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	rest := readAll(ctx, c, keys...)
	queuedReads(c, len(keys))
	h.release <- struct{}{}
	<-first
	read := 0
	for read < len(keys) {
		got := <-h.started
		if len(got) > coalescedMaxKeys {
			t.Fatalf("a statement read %d keys, more than %d", len(got), coalescedMaxKeys)
		}
		read += len(got)
		h.release <- struct{}{}
	}
	for range keys {
		if r := <-rest; r.err != nil || r.row != "row of "+r.key {
			t.Fatalf("read of %s: %+v", r.key, r)
		}
	}
	if n := len(h.statements); n != 4 {
		t.Errorf("%d statements for 1 + %d keys, want 4", n, len(keys))
	}
}

// TestCoalescedReadsErrorsAndCancel: a statement's error reaches each of
// its reads; a queued read whose context ends returns at once and leaves
// the queue, so the next statement reads only the keys still waited for.
func TestCoalescedReadsErrorsAndCancel(t *testing.T) {
	h, c, _, first := holdingFirst(t, "a")
	gone, cancel := context.WithCancel(t.Context())
	leaving := readAll(gone, c, "b")
	staying := readAll(t.Context(), c, "c")
	queuedReads(c, 2)
	cancel()
	if r := <-leaving; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("a queued read whose context ended: %+v", r)
	}
	h.fail = errors.New("connection reset")
	h.release <- struct{}{}
	if r := <-first; !errors.Is(r.err, h.fail) {
		t.Fatalf("the first read got %+v, want the statement's error", r)
	}
	if got := <-h.started; !slices.Equal(got, []string{"c"}) {
		t.Fatalf("the queued statement read %q, want only c (b's caller has gone)", got)
	}
	h.release <- struct{}{}
	if r := <-staying; !errors.Is(r.err, h.fail) {
		t.Fatalf("the read beside the one gone got %+v, want the statement's error", r)
	}
}

// TestCoalescedReadsAbandoned: reads whose callers have gone (a client
// that disconnected, a resource server that gave up) leave the queue:
// nothing is sent for them, and a read asked after them goes in the
// next statement. (Review finding: they stayed queued and were sent,
// 64 at a time, ahead of every read behind them.)
func TestCoalescedReadsAbandoned(t *testing.T) {
	h, c, _, first := holdingFirst(t, "first")
	const abandoned = 200
	gone, cancel := context.WithCancel(t.Context())
	keys := make([]string, abandoned)
	for i := range keys {
		keys[i] = fmt.Sprint("gone-", i)
	}
	left := readAll(gone, c, keys...)
	queuedReads(c, abandoned)
	cancel()
	for range abandoned {
		if r := <-left; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("abandoned read: %+v", r)
		}
	}
	c.mu.Lock()
	held := len(c.queued)
	c.mu.Unlock()
	if held != 0 {
		t.Errorf("%d reads whose callers have all returned are still queued", held)
	}
	live := readAll(t.Context(), c, "live")
	queuedReads(c, 1)
	h.release <- struct{}{}
	<-first
	if got := <-h.started; !slices.Equal(got, []string{"live"}) {
		t.Errorf("the statement after the abandoned reads read %q, want [live]", got)
	}
	h.release <- struct{}{}
	if r := <-live; r.err != nil || r.row != "row of live" {
		t.Fatalf("live read: %+v", r)
	}
}

// TestCoalescedReadsStalled: when the oldest queued read has waited
// coalescedStall for a statement that has not ended, the queue goes in a
// statement of its own, up to coalescedMaxInFlight statements running;
// past that, reads wait for one of them to end.
func TestCoalescedReadsStalled(t *testing.T) {
	h, c, clk, results := holdingFirst(t, "k0")
	ctx := t.Context()
	for i := 1; i < coalescedMaxInFlight; i++ {
		k := fmt.Sprint("k", i)
		done := readAll(ctx, c, k)
		queuedReads(c, 1)
		c.unstall() // not yet waited long enough
		clk.advance(time.Hour - 1)
		c.unstall()
		if n := runningStatements(c); n != i {
			t.Fatalf("%d statements running before a read had waited a stall, want %d", n, i)
		}
		clk.advance(1)
		c.unstall()
		if got := <-h.started; !slices.Equal(got, []string{k}) {
			t.Fatalf("a stalled read went as %q, want [%s]", got, k)
		}
		go func() { results <- <-done }()
	}
	last := readAll(ctx, c, "last")
	queuedReads(c, 1)
	clk.advance(time.Hour)
	c.unstall()
	if running := runningStatements(c); running != coalescedMaxInFlight {
		t.Fatalf("%d statements running after a stall with %d running, want no more", running, coalescedMaxInFlight)
	}
	h.release <- struct{}{} // one of the statements running ends
	if got := <-h.started; !slices.Equal(got, []string{"last"}) {
		t.Fatalf("after a statement ended, %q went, want [last]", got)
	}
	for range coalescedMaxInFlight {
		h.release <- struct{}{}
	}
	for range coalescedMaxInFlight {
		if r := <-results; r.err != nil || r.row != "row of "+r.key {
			t.Errorf("read of %s: %+v", r.key, r)
		}
	}
	if r := <-last; r.err != nil || r.row != "row of last" {
		t.Errorf("read of last: %+v", r)
	}
}

// TestCoalescedReadsPanic: a panic in a statement of queued reads, which
// runs on a goroutine of its own, is that statement's error instead of
// the end of the process; the reads after it are served. (Review
// finding.)
func TestCoalescedReadsPanic(t *testing.T) {
	h := newHeldFetch()
	c, _ := newHeldRead(h)
	held := h.fetch
	c.fetch = func(ctx context.Context, keys []string) (map[string]string, error) {
		if slices.Contains(keys, "bug") {
			panic("a row's scan went wrong")
		}
		return held(ctx, keys)
	}
	first := readAll(t.Context(), c, "a")
	<-h.started
	buggy := readAll(t.Context(), c, "bug")
	queuedReads(c, 1)
	h.release <- struct{}{}
	<-first
	if r := <-buggy; r.err == nil || !strings.Contains(r.err.Error(), "a row's scan went wrong") {
		t.Fatalf("the read of a statement that panicked: %+v", r)
	}
	after := readAll(t.Context(), c, "b")
	<-h.started
	h.release <- struct{}{}
	if r := <-after; r.err != nil || r.row != "row of b" {
		t.Fatalf("the read after: %+v", r)
	}
}

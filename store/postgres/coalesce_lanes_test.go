package postgres

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// keyedFetch holds each statement until the test ends it by its first key.
type keyedFetch struct {
	mu      sync.Mutex
	gates   map[string]chan struct{}
	ended   map[string]bool
	started chan []string
}

func (f *keyedFetch) gate(k string) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gates[k] == nil {
		f.gates[k] = make(chan struct{})
	}
	return f.gates[k]
}

// end lets the statement whose first key is k end.
func (f *keyedFetch) end(k string) {
	ch := f.gate(k)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ended[k] {
		f.ended[k] = true
		close(ch)
	}
}

func (f *keyedFetch) fetch(ctx context.Context, keys []string) (map[string]string, error) {
	f.started <- keys
	<-f.gate(keys[0])
	rows := map[string]string{}
	for _, k := range keys {
		rows[k] = "row of " + k
	}
	return rows, nil
}

// TestCoalescedReadsLaneBesideHungStatement: a statement added for a
// stall stays while a statement running has stalled, so that when the one
// left is hung (a dead connection, until the query timeout) the reads
// queued behind it go in the added lane as each of its statements ends,
// not at the next stall tick (100-200 ms later), again and again for as
// long as the hang lasts. Here k0 hangs throughout; the lane opened for
// s0's stall ends its statement with s1 queued, and takes s1. (Review
// finding, and its test.)
func TestCoalescedReadsLaneBesideHungStatement(t *testing.T) {
	f := &keyedFetch{gates: map[string]chan struct{}{}, ended: map[string]bool{}, started: make(chan []string, 100)}
	c := newCoalescedRead(f.fetch, time.Minute)
	clk := holdStalls(c)
	ctx := t.Context()
	defer func() {
		for i := range 5 {
			f.end(fmt.Sprint("s", i))
		}
		f.end("k0")
	}()
	readAll(ctx, c, "k0") // hangs until the test ends
	<-f.started
	lane := "s0"
	readAll(ctx, c, lane)
	queuedReads(c, 1)
	clk.advance(time.Hour) // s0 has waited a stall
	c.unstall()
	<-f.started
	left := 0
	for i := 1; i <= 3; i++ {
		k := fmt.Sprint("s", i)
		readAll(ctx, c, k) // has not waited a stall
		queuedReads(c, 1)
		f.end(lane) // the lane's statement ends; k0 still hangs
		for {
			c.mu.Lock()
			q, r := len(c.queued), c.running
			c.mu.Unlock()
			if q == 0 || r == 1 && q == 1 {
				break
			}
			runtime.Gosched()
		}
		c.mu.Lock()
		q := len(c.queued)
		c.mu.Unlock()
		if q == 0 {
			<-f.started // it went in the lane
		} else {
			left++
			clk.advance(time.Hour) // the next tick, 100-200 ms later
			c.unstall()
			<-f.started
		}
		lane = k
	}
	if left > 0 {
		t.Errorf("%d of 3 reads queued behind a statement that hangs throughout were left for the next stall tick when the lane beside it ended a statement: every read waits a stall for as long as the hang lasts", left)
	}
}

// TestCoalescedReadsStallLaneCloses: a statement added for a stall is
// the queue's only while the queue is stalled: once a statement ends with
// reads queued that have not waited a stall, they wait for the statement
// still running instead of going beside it, one statement at a time
// again. (Review finding: the lane stayed open under load.)
func TestCoalescedReadsStallLaneCloses(t *testing.T) {
	h, c, clk, results := holdingFirst(t, "k0")
	ctx := t.Context()
	lane := readAll(ctx, c, "s0")
	queuedReads(c, 1)
	clk.advance(time.Hour)
	c.unstall()
	<-h.started // s0, beside k0
	go func() { results <- <-lane }()
	waiting := readAll(ctx, c, "s1") // has not waited a stall
	queuedReads(c, 1)
	h.release <- struct{}{} // k0's statement or s0's ends
	for runningStatements(c) != 1 {
		select {
		case got := <-h.started:
			t.Fatalf("%q went beside the statement still running, with no read stalled", got)
		default:
		}
		runtime.Gosched()
	}
	h.release <- struct{}{} // the other ends; s1 goes next
	if got := <-h.started; !slices.Equal(got, []string{"s1"}) {
		t.Fatalf("after both ended, %q went, want [s1]", got)
	}
	h.release <- struct{}{}
	for range 2 {
		if r := <-results; r.err != nil {
			t.Errorf("read of %s: %v", r.key, r.err)
		}
	}
	if r := <-waiting; r.err != nil || r.row != "row of s1" {
		t.Errorf("read of s1: %+v", r)
	}
}

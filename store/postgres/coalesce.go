package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Bounds of a coalescedRead.
const (
	// coalescedInFlight is how many statements of one coalesced read run
	// at once; a read that finds them all running waits for the next,
	// shared with every read that waits beside it. One gave the largest
	// statements and the most reads per second: with 16 readers on 2
	// cores (BenchmarkHotPaths/introspection), 8 reads a statement,
	// against 4.6 with 2 and 2.8 with 4, and 25–27 µs a read, against
	// 28–33 µs with a statement each (alternating runs).
	coalescedInFlight = 1
	// coalescedStall is how long the oldest queued read waits for the
	// statements running before a timer sends the queue in a statement
	// beside them, so that one statement stuck on a dead connection
	// (until the query timeout) does not hold up every read behind it; a
	// statement answers in a millisecond or two under load.
	coalescedStall = 100 * time.Millisecond
	// coalescedMaxInFlight bounds the statements running once some have
	// stalled.
	coalescedMaxInFlight = 4
	// coalescedMaxKeys is the most keys one statement reads.
	coalescedMaxKeys = 64
)

// coalescedRead runs concurrent reads of single rows by key as one
// statement (WHERE key = ANY($1)) when they come faster than the server
// answers: a read runs at once while fewer than coalescedInFlight of its
// statements run, and otherwise waits with the reads queued beside it
// for the statement to end, which sends them all in the next one (or,
// when the oldest of them has waited coalescedStall, a timer sends them
// in one beside it, within twice that; the statements added so stop
// once neither a queued read nor a statement running has stalled). A
// lone read is therefore one statement, as before.
//
// A queued read is sent only in a statement that begins after it was
// asked for, so it sees every write committed before it was asked, as a
// statement of its own would; it never joins a statement already sent.
// Every read of a statement gets that statement's error. A queued read
// whose context ends leaves the queue, so the queue holds only reads a
// caller waits for, as pgxpool's own queue for a connection does.
type coalescedRead[K comparable, R any] struct {
	// fetch reads keys (distinct, at most coalescedMaxKeys) in one
	// statement: the rows found, by key.
	fetch func(ctx context.Context, keys []K) (map[K]R, error)
	// timeout bounds a statement of queued reads, which runs under no
	// reader's context since it serves several.
	timeout time.Duration
	// stall is coalescedStall, and clock time.Now, but in tests.
	stall time.Duration
	clock func() time.Time

	mu      sync.Mutex
	running int
	queued  []*coalescedCall[K, R]
	// watch calls unstall every coalescedStall while reads are queued.
	watch    *time.Timer
	watching bool
	// began is when each statement running began, by a number of its own.
	began map[uint64]time.Time
	seq   uint64
}

// newCoalescedRead coalesces the reads of fetch, a statement of queued
// reads running under timeout.
func newCoalescedRead[K comparable, R any](fetch func(ctx context.Context, keys []K) (map[K]R, error), timeout time.Duration) *coalescedRead[K, R] {
	return &coalescedRead[K, R]{fetch: fetch, timeout: timeout, stall: coalescedStall, clock: time.Now,
		began: map[uint64]time.Time{}}
}

// coalescedCall is one read waiting for its statement.
type coalescedCall[K comparable, R any] struct {
	key    K
	queued time.Time
	done   chan struct{}
	row    R
	found  bool
	err    error
}

// get reads key: its row and true, false when the statement found no
// such row, or the statement's error. A read that runs at once runs
// under ctx; a queued one whose ctx ends leaves the queue and returns.
func (c *coalescedRead[K, R]) get(ctx context.Context, key K) (R, bool, error) {
	call := &coalescedCall[K, R]{key: key, done: make(chan struct{})}
	c.mu.Lock()
	if c.running < coalescedInFlight {
		c.running++
		c.mu.Unlock()
		defer c.next()
		c.run(ctx, []*coalescedCall[K, R]{call})
		return call.row, call.found, call.err
	}
	call.queued = c.clock()
	c.queued = append(c.queued, call)
	if !c.watching {
		c.arm()
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.row, call.found, call.err
	case <-ctx.Done():
		c.leave(call)
		var zero R
		return zero, false, ctx.Err()
	}
}

// arm has unstall called in a stall. c.mu is held.
func (c *coalescedRead[K, R]) arm() {
	c.watching = true
	if c.watch == nil {
		c.watch = time.AfterFunc(c.stall, c.unstall)
		return
	}
	c.watch.Reset(c.stall)
}

// unstall sends the queue in a statement of its own when its oldest
// read has waited coalescedStall and fewer than coalescedMaxInFlight
// statements run, and watches the queue again while reads are queued.
// It looks every coalescedStall, so a stalled read waits at most twice
// that (a timer set to the time left would fire at once on a test's
// clock moved by hand, beside the test's own call).
func (c *coalescedRead[K, R]) unstall() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watching = false
	if len(c.queued) == 0 {
		return
	}
	if c.stalled() && c.running < coalescedMaxInFlight {
		c.running++
		go c.drain()
	}
	c.arm()
}

// stalled reports whether the oldest queued read has waited
// coalescedStall. c.mu is held.
func (c *coalescedRead[K, R]) stalled() bool {
	return len(c.queued) > 0 && c.clock().Sub(c.queued[0].queued) >= c.stall
}

// statementStalled reports whether a statement running has run for
// coalescedStall. c.mu is held.
func (c *coalescedRead[K, R]) statementStalled() bool {
	now := c.clock()
	for _, t := range c.began {
		if now.Sub(t) >= c.stall {
			return true
		}
	}
	return false
}

// leave takes call out of the queue (a statement may have taken it
// already).
func (c *coalescedRead[K, R]) leave(call *coalescedCall[K, R]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.queued, call); i >= 0 {
		c.queued = slices.Delete(c.queued, i, i+1)
	}
}

// next sends the reads queued while a statement ran, in statements of
// their own on a new goroutine, or gives the statement's place back when
// none is queued.
func (c *coalescedRead[K, R]) next() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queued) == 0 {
		c.running--
		return
	}
	go c.drain()
}

// drain runs the queued reads, a statement at a time, until none is
// queued, then gives the statement's place back. A place added for a
// stall is given back once neither the queue nor a statement running
// has stalled: another statement takes the queue when it ends.
func (c *coalescedRead[K, R]) drain() {
	for {
		c.mu.Lock()
		if len(c.queued) == 0 || c.running > coalescedInFlight && !c.stalled() && !c.statementStalled() {
			c.running--
			c.mu.Unlock()
			return
		}
		calls := c.take()
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		c.run(ctx, calls)
		cancel()
	}
}

// take removes the first coalescedMaxKeys calls from the queue, those
// of the next statement. c.mu is held.
func (c *coalescedRead[K, R]) take() []*coalescedCall[K, R] {
	n := min(len(c.queued), coalescedMaxKeys)
	calls := c.queued[:n:n]
	c.queued = c.queued[n:]
	if len(c.queued) == 0 {
		c.queued = nil
	}
	return calls
}

// run reads the keys of calls in one statement, under ctx, and answers
// each.
func (c *coalescedRead[K, R]) run(ctx context.Context, calls []*coalescedCall[K, R]) {
	keys := make([]K, 0, len(calls))
	seen := make(map[K]struct{}, len(calls))
	for _, call := range calls {
		if _, ok := seen[call.key]; !ok {
			seen[call.key] = struct{}{}
			keys = append(keys, call.key)
		}
	}
	c.mu.Lock()
	c.seq++
	id := c.seq
	c.began[id] = c.clock()
	c.mu.Unlock()
	rows, err := c.fetchRecovering(ctx, keys)
	c.mu.Lock()
	delete(c.began, id)
	c.mu.Unlock()
	for _, call := range calls {
		call.row, call.found = rows[call.key]
		call.err = err
		close(call.done)
	}
}

// fetchRecovering is fetch, with a panic turned into the statement's
// error: a statement of queued reads runs on a goroutine of its own,
// where a panic would end the process.
func (c *coalescedRead[K, R]) fetchRecovering(ctx context.Context, keys []K) (rows map[K]R, err error) {
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("store/postgres: a read of %d rows failed: %v", len(keys), p)
		}
	}()
	return c.fetch(ctx, keys)
}

package main

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passerelle/passerelle/internal/loadgen"
)

// hops times, during a paced run, each run from when it started (not
// from when it was due, as its p99 is) and each HTTP request the load
// generator sends, from its first byte written to the first byte of its
// answer read on the connection: the server's time plus loopback and
// the scheduler's, without the load generator's own work (building the
// request, reading the page). It costs two clock reads per request.
type hops struct {
	names map[string]string // address dialled → who serves it
	on    atomic.Bool
	mu    sync.Mutex
	runs  []time.Duration
	lat   map[string][]time.Duration // "who METHOD /path" → waits
}

// hopTimes is what hops recorded during one paced run.
type hopTimes struct {
	runs []time.Duration
	lat  map[string][]time.Duration
}

func newHops(names map[string]string) *hops { return &hops{names: names} }

// start clears the record and starts recording.
func (h *hops) start() {
	h.mu.Lock()
	h.runs, h.lat = nil, map[string][]time.Duration{}
	h.mu.Unlock()
	h.on.Store(true)
}

// stop stops recording and returns the record.
func (h *hops) stop() hopTimes {
	h.on.Store(false)
	h.mu.Lock()
	defer h.mu.Unlock()
	t := hopTimes{runs: h.runs, lat: h.lat}
	h.runs, h.lat = nil, nil // a request still in flight records nothing
	return t
}

// timed is op with each run's time recorded while recording.
func (h *hops) timed(op func() error) func() error {
	return func() error {
		t := time.Now()
		err := op()
		if h.on.Load() {
			d := time.Since(t)
			h.mu.Lock()
			if h.lat != nil {
				h.runs = append(h.runs, d)
			}
			h.mu.Unlock()
		}
		return err
	}
}

// conn times the requests sent on nc, a connection to addr.
func (h *hops) conn(nc net.Conn, addr string) net.Conn {
	who, ok := h.names[addr]
	if !ok {
		who = addr
	}
	return &timedConn{Conn: nc, h: h, who: who}
}

func (h *hops) add(hop string, d time.Duration) {
	h.mu.Lock()
	if h.lat != nil {
		h.lat[hop] = append(h.lat[hop], d)
	}
	h.mu.Unlock()
}

// timedConn is a connection of the load generator's transport, which
// writes a request (one flush of its buffer, or more for a body) and then
// reads its answer on the same connection, one request at a time.
type timedConn struct {
	net.Conn
	h    *hops
	who  string
	sent time.Time // when the request awaiting its answer was first written; zero when none
	hop  string
}

func (c *timedConn) Write(p []byte) (int, error) {
	if c.sent.IsZero() && c.h.on.Load() {
		c.sent, c.hop = time.Now(), c.who+" "+requestLine(p)
	}
	return c.Conn.Write(p)
}

func (c *timedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.sent.IsZero() {
		c.h.add(c.hop, time.Since(c.sent))
		c.sent = time.Time{}
	}
	return n, err
}

// requestLine is "METHOD /path" from the start of an HTTP/1.1 request,
// without the query, and with any path segment of 16 characters or more
// (an identifier) as {id}.
func requestLine(p []byte) string {
	line, _, _ := strings.Cut(string(p[:min(len(p), 256)]), "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return "?"
	}
	path, _, _ := strings.Cut(f[1], "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) >= 16 {
			segs[i] = "{id}"
		}
	}
	return f[0] + " " + strings.Join(segs, "/")
}

// print writes where the time of the paced run went: each run from its
// start against its p99 from when it was due (the difference waited for
// a worker or for the pacer's timer), then each hop per run.
func (t hopTimes) print(name string, res loadgen.Result) {
	if len(t.runs) == 0 {
		return
	}
	n := len(t.runs)
	fmt.Printf("  where the half-load time went, %s: %d runs; from when due p50 %s p99 %s; from their start p50 %s p99 %s, mean %s\n",
		name, n, ms(res.P50), ms(res.P99), ms(loadgen.Pct(t.runs, 0.5)), ms(loadgen.Pct(t.runs, 0.99)), ms(mean(t.runs)))
	keys := make([]string, 0, len(t.lat))
	for k := range t.lat {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return mean(t.lat[keys[i]])*time.Duration(len(t.lat[keys[i]])) > mean(t.lat[keys[j]])*time.Duration(len(t.lat[keys[j]]))
	})
	var sum time.Duration
	fmt.Printf("    %-44s %7s %9s %9s %9s %9s\n", "hop (first byte sent → first byte back)", "per run", "p50", "p99", "max", "mean")
	for _, k := range keys {
		l := t.lat[k]
		m := mean(l)
		sum += m * time.Duration(len(l)) / time.Duration(n)
		fmt.Printf("    %-44s %7.2f %9s %9s %9s %9s\n", clip(k, 44), float64(len(l))/float64(n),
			ms(loadgen.Pct(l, 0.5)), ms(loadgen.Pct(l, 0.99)), ms(loadgen.Pct(l, 1)), ms(m))
	}
	fmt.Printf("    hops per run together, mean %s; the rest of a run's mean (%s) is the load generator's own work and waits\n",
		ms(sum), ms(mean(t.runs)-sum))
}

func mean(l []time.Duration) time.Duration {
	if len(l) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range l {
		s += d
	}
	return s / time.Duration(len(l))
}

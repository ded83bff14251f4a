package loadgen

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Transport is the load generator's HTTP/1.1 transport: the goroutine
// that makes a request writes it and reads its response on a kept-alive
// connection from a pool per host. The requests and responses are the
// standard library's own (http.Request.Write, http.ReadResponse), so the
// servers see what http.Transport sends, Accept-Encoding: gzip included
// (a gzipped answer is decompressed), and http.Client still follows the
// redirects and keeps the cookies. What it leaves out is http.Transport's
// hand-off of each request to a writing and a reading goroutine per
// connection, which on loopback cost the load generator about a third of
// its CPU per request (one core shared with the servers under test).
// Plain http only: the benchmarks' providers serve on loopback.
type Transport struct {
	// Dial opens a connection to addr ("host:port"); nil is a
	// net.Dialer's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each request, from writing it to reading the end
	// of its response; 0 means 30 seconds.
	Timeout time.Duration
	// MaxIdlePerHost is how many idle connections are kept per host;
	// 0 means 64.
	MaxIdlePerHost int

	mu   sync.Mutex
	idle map[string][]*conn
}

// conn is one kept-alive connection.
type conn struct {
	net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// errNoResponse marks a reused connection that the server had closed
// before the request reached it: the request is sent again on a new one.
var errNoResponse = errors.New("loadgen: connection closed before the response")

// RoundTrip sends req on an idle connection to its host, or a new one.
// A kept connection that the server closed meanwhile (its idle timeout)
// is dialled again for a request whose body can be sent again.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		closeBody(req)
		return nil, fmt.Errorf("loadgen: %s: only http:// is served", req.URL.Redacted())
	}
	if req.Header.Get("Accept-Encoding") == "" && req.Method != http.MethodHead {
		// What http.Transport adds: a server that compresses does the
		// same work for this load generator as for a browser.
		r := *req
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Set("Accept-Encoding", "gzip")
		req = &r
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	c, reused := t.get(addr)
	if !reused {
		var err error
		if c, err = t.dial(req.Context(), addr); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	resp, err := t.exchange(c, req)
	if errors.Is(err, errNoResponse) && reused && (req.Body == nil || req.GetBody != nil) {
		if req, err = rewound(req); err != nil {
			return nil, err
		}
		if c, err = t.dial(req.Context(), addr); err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err = t.exchange(c, req)
	}
	if err != nil {
		return nil, err
	}
	b := &body{rc: resp.Body, c: c}
	if !resp.Close && !req.Close {
		b.t, b.addr = t, addr
	}
	resp.Body = b
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(b)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("loadgen: gzipped response: %w", err)
		}
		resp.Body = gzipBody{zr, b}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// exchange writes req on c and reads the head of its response; on
// failure c is closed. The error is errNoResponse when the server had
// closed c (end of file or reset before any byte of a response).
func (t *Transport) exchange(c *conn, req *http.Request) (*http.Response, error) {
	timeout := t.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	if err == nil {
		_, err = c.br.Peek(1)
	}
	if err == io.EOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		err = errNoResponse
	}
	var resp *http.Response
	if err == nil {
		resp, err = http.ReadResponse(c.br, req)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return resp, nil
}

// rewound is req with a fresh copy of its body, to send again.
func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = b
	return &r, nil
}

// get takes an idle connection to addr, if there is one.
func (t *Transport) get(addr string) (*conn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.idle[addr]
	if len(l) == 0 {
		return nil, false
	}
	c := l[len(l)-1]
	t.idle[addr] = l[:len(l)-1]
	return c, true
}

// put keeps c for the next request to addr, or closes it when enough
// are kept.
func (t *Transport) put(addr string, c *conn) {
	limit := t.MaxIdlePerHost
	if limit == 0 {
		limit = 64
	}
	t.mu.Lock()
	if t.idle == nil {
		t.idle = map[string][]*conn{}
	}
	if len(t.idle[addr]) < limit {
		t.idle[addr] = append(t.idle[addr], c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

func (t *Transport) dial(ctx context.Context, addr string) (*conn, error) {
	dial := t.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc)}, nil
}

// CloseIdleConnections closes the connections kept idle
// (http.Client.CloseIdleConnections calls it).
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, l := range idle {
		for _, c := range l {
			c.Close()
		}
	}
}

// body is a response's body: read to its end, it gives its connection
// back to the pool (t nil: closes it); closed before, it closes the
// connection, whose next bytes would be the rest of this response.
type body struct {
	rc   io.ReadCloser
	c    *conn
	t    *Transport
	addr string
	done bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.done = true
		if err == io.EOF && b.t != nil {
			b.t.put(b.addr, b.c)
		} else {
			b.c.Close()
		}
	}
	return n, err
}

// Close reads what is left of a short body (up to 4 KiB, as a decoder
// that stopped at the end of its value leaves) so that the connection is
// kept, and closes the connection otherwise.
func (b *body) Close() error {
	if !b.done {
		_, _ = io.CopyN(io.Discard, b, 4<<10)
	}
	if !b.done {
		b.done = true
		b.c.Close()
	}
	return nil
}

// gzipBody reads a gzipped body decompressed; closing it closes the
// body underneath.
type gzipBody struct {
	*gzip.Reader
	under io.Closer
}

func (g gzipBody) Close() error { return g.under.Close() }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
